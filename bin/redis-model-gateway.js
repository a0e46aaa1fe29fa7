#!/usr/bin/env node
// Runs the TypeScript sources without a build step, so that a models file may be TypeScript too.
import { register } from 'tsx/esm/api';

register();
await import('../src/server/cli.ts');
