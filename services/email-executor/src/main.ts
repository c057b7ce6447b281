// Placeholder entry so that `pnpm --filter ./services/email-executor start` exists from the start; issue 4 builds it.
console.error('email-executor is not built yet (issue 4); nothing was started.');
process.exitCode = 1;
