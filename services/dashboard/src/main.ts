// Placeholder entry so that `pnpm --filter ./services/dashboard start` exists from the start; issue 6 builds it.
console.error('dashboard is not built yet (issue 6); nothing was started.');
process.exitCode = 1;
