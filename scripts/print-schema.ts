import { writeFile } from 'node:fs/promises';
import { printDemoSchema } from './demo-schema.js';

// Writes schema/schema.graphql: the sorted SDL of the demo registry, reviewed as a diff with every schema change.
await writeFile(new URL('../schema/schema.graphql', import.meta.url), printDemoSchema());
