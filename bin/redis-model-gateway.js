#!/usr/bin/env node
// Runs the compiled CLI (npm run build writes dist/; npm pack runs it). A models file in
// TypeScript is loaded through tsx by the CLI itself (src/server/cli/load-models.ts).
await import('../dist/src/server/cli/main.js');
