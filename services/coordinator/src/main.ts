// Placeholder entry so that `pnpm --filter ./services/coordinator start` exists from the start; issue 5 builds it.
console.error('coordinator is not built yet (issue 5); nothing was started.');
process.exitCode = 1;
