import { describe, expect, test } from 'vitest';
import { ReadmeBlocks } from './helpers/readme/block-rules.js';
import { codeBlocks } from './helpers/readme/code-blocks.js';
import { commandsOf, expectedOutputs, problemsOf, type Known } from './helpers/readme/shell-commands.js';

/* The rules test/readme.test.ts runs the README by, on small documents: what it would let through untested. */

const fence = (lang: string, code: string, marker?: string) =>
  `${marker ? `<!-- readme-test: ${marker} -->\n\n` : ''}\`\`\`${lang}\n${code}\n\`\`\`\n`;
const uncovered = (...parts: string[]) => {
  const readme = new ReadmeBlocks(codeBlocks(`# Title\n\nSome text.\n\n${parts.join('\n')}`));
  return readme.all.map((block) => readme.uncovered(block) ?? 'covered');
};

describe('which blocks the README test runs', () => {
  test('a block in a language no rule runs fails unless skipped with a reason', () => {
    expect(uncovered(fence('python', 'print(1)'))).toEqual(['no rule runs "python" blocks']);
    expect(uncovered(fence('', 'text'))).toEqual(['no rule runs "unlabelled" blocks']);
    expect(uncovered(fence('python', 'print(1)', 'skip: no Python here'))).toEqual(['covered']);
    expect(uncovered(fence('python', 'print(1)', 'skip:'))).toEqual([
      'the comment "readme-test: skip:" is none of: skip: <reason>, serves[, Header: value], error CODE',
    ]);
  });

  test('a TypeScript block must name its file and be run or imported', () => {
    expect(uncovered(fence('ts', 'const a = 1;'))).toEqual(['its first line must name its file, as in "// models.ts"']);
    expect(uncovered(fence('ts', '// app.ts\nconst a = 1;'))).toEqual(['no sh block runs app.ts and no other file imports it']);
    expect(uncovered(fence('ts', '// app.ts\nconst a = 1;'), fence('sh', 'npx tsx app.ts'))).toEqual(['covered', 'covered']);
    expect(uncovered(fence('ts', '// app.ts\nconst a = 1;'), fence('sh', 'npx tsx app.ts', 'skip: needs a browser'))).toEqual([
      'no sh block runs app.ts and no other file imports it',
      'covered',
    ]);
  });

  test('a JSON block is a response only right after a GraphQL block', () => {
    expect(uncovered(fence('graphql', '{ models { name } }'), fence('json', '{}'))).toEqual(['covered', 'covered']);
    expect(uncovered(fence('sh', 'true'), fence('json', '{}'))).toEqual([
      'covered',
      'a json block must follow the graphql block whose response it shows',
    ]);
  });

  test('markers belong to their languages, and a mistyped one fails', () => {
    expect(uncovered(fence('sh', 'true', 'serve'))).toEqual([expect.stringContaining('is none of')]);
    expect(uncovered(fence('graphql', '{ a }', 'serves'))).toEqual(['"serves" is for sh blocks']);
    expect(uncovered(fence('sh', 'true', 'error KEY_NOT_FOUND'))).toEqual(['"error CODE" is for graphql blocks']);
  });

  test('a marker applies only to the block right after it', () => {
    const blocks = codeBlocks(`<!-- readme-test: serves -->\n\nA paragraph.\n\n${fence('sh', 'true')}`);
    expect(blocks.map((block) => [block.line, block.marker])).toEqual([[5, undefined]]);
  });

  test('a code block inside a list is refused rather than left untested', () => {
    expect(() => codeBlocks(`- an item\n\n  ${fence('sh', 'true').replace(/\n/g, '\n  ')}`)).toThrow(/inside a list/);
  });
});

describe('what the shell blocks are checked for', () => {
  const known: Known = {
    scripts: { start: 'node bin/x.js serve', test: 'vitest' },
    usage: 'redis-model-gateway serve [--models file.ts] [--port 4000]\n  --api-keys-file  a file',
    bins: ['tsx', 'tsc'],
    files: ['server.ts'],
  };
  const problems = (code: string) => commandsOf(code).flatMap((command) => problemsOf(command, known));

  test('commands are split at operators, with redirections and comments left out', () => {
    expect(
      commandsOf(`export A=1   # a comment\necho '[{ "key": 1 }]' > keys.json && chmod 600 keys.json\nnpm run x -- \\\n  --y`),
    ).toEqual([
      ['export', 'A=1'],
      ['echo', '[{ "key": 1 }]'],
      ['chmod', '600', 'keys.json'],
      ['npm', 'run', 'x', '--', '--y'],
    ]);
  });

  test('npm scripts, CLI commands and flags, executables and files must exist', () => {
    expect(
      problems(
        'npm install && npm start\nnpm test\nnpx redis-model-gateway serve --models m.ts --port 0\nnpx redis-model-gateway --help\nnpx tsx server.ts',
      ),
    ).toEqual([]);
    expect(problems('npm run build')).toEqual(['npm run: package.json has no "build" script']);
    expect(problems('npx redis-model-gateway serve --model m.ts --api-keys-file=k.json')).toEqual(['no flag --model in the CLI usage']);
    expect(problems('npx redis-model-gateway schema')).toEqual(['no command "schema" in the CLI usage']);
    expect(problems('npx apollo\nnpx tsx client.ts\nPORT=0 node app.mjs')).toEqual([
      'npx apollo: no such executable in node_modules/.bin',
      'client.ts: no README block names this file',
      'app.mjs: no README block names this file',
    ]);
  });

  test('"# → text" comments say what a block prints', () => {
    expect(expectedOutputs('npx tsx store.ts   # → Bob 0\nnpm pkg set type=module')).toEqual(['Bob 0']);
  });
});
