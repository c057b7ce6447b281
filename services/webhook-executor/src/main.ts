// Placeholder entry so that `pnpm --filter ./services/webhook-executor start` exists from the start; issue 4 builds it.
console.error('webhook-executor is not built yet (issue 4); nothing was started.');
process.exitCode = 1;
