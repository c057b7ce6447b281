#!/usr/bin/env node
// The notify-executor as people run it: checks the Node floor, then loads src/main.ts.
import { launch } from '../../packages/runtime/node-floor.mjs';

await launch(new URL('./src/main.ts', import.meta.url), 'notify-executor');
