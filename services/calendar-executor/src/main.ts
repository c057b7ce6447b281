// Placeholder entry so that `pnpm --filter ./services/calendar-executor start` exists from the start; issue 4 builds it.
console.error('calendar-executor is not built yet (issue 4); nothing was started.');
process.exitCode = 1;
