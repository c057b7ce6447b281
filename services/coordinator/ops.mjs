#!/usr/bin/env node
// The `ops` command: checks the Node floor, then loads the CLI.
import { launch } from '../../packages/runtime/node-floor.mjs';

await launch(new URL('./src/cli/ops.ts', import.meta.url), 'ops');
