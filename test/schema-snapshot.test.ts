import { readFile } from 'node:fs/promises';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { printDemoSchema } from '../scripts/demo-schema.js';

describe('checked-in generated files', () => {
  it('schema/schema.graphql is the printed, sorted SDL of the demo models (run npm run schema:print)', async () => {
    const checkedIn = await readFile(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn).toBe(printDemoSchema());
  });

  it('test/generated is what codegen.ts makes of the test operations (run npm run codegen)', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: 'codegen.ts' });
    const files = await generate({ ...config, silent: true }, false);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(await readFile(file.filename, 'utf8'), file.filename).toBe(file.content);
    }
  });
});
