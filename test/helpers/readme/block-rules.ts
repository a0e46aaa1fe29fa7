import { skipReason, type CodeBlock } from './code-blocks.js';

/*
 * Which rule runs each README block, read from its language and its `<!-- readme-test: ... -->` comment.
 * docs/readme-tests.md says the same for people editing the README.
 */

const LANGS = {
  sh: ['sh', 'bash', 'shell'],
  graphql: ['graphql', 'gql'],
  json: ['json'],
  /** Blocks that are files of the user's project, named by their first line. */
  file: ['ts', 'typescript', 'js', 'javascript', 'yaml', 'yml'],
};
export type Kind = keyof typeof LANGS;

export const isLang = (block: CodeBlock | undefined, kind: Kind) => block !== undefined && LANGS[kind].includes(block.lang);

/** `error CODE [CODE...]`: the codes a GraphQL block's response must give, and only those. */
export const errorCodesOf = (block: CodeBlock) => /^error\s+(.+)$/.exec(block.marker ?? '')?.[1]?.split(/[\s,]+/) ?? [];

/** `serves` or `serves, Header: value`: a shell block that starts a server, and the header to call it with. */
export function servesWith(block: CodeBlock): Record<string, string> | undefined {
  const match = /^serves(?:,\s*([\w-]+):\s*(.+))?$/.exec(block.marker ?? '');
  if (!match) return undefined;
  return match[1] ? { [match[1]]: match[2] ?? '' } : {};
}

/** The README's blocks as the rules see them. */
export class ReadmeBlocks {
  constructor(readonly all: readonly CodeBlock[]) {}

  /** The blocks of a kind that are not skipped, in README order. */
  run(kind: Kind): CodeBlock[] {
    return this.all.filter((block) => isLang(block, kind) && !skipReason(block));
  }

  /** The project files the README defines. */
  files(): CodeBlock[] {
    return this.run('file').filter((block) => block.file !== undefined);
  }

  /** The JSON block right after a GraphQL block, which shows that operation's response. */
  responseOf(block: CodeBlock): CodeBlock | undefined {
    const next = this.all[this.all.indexOf(block) + 1];
    return next && isLang(next, 'json') && !skipReason(next) ? next : undefined;
  }

  /** Why no rule runs a block, or undefined when one does. */
  uncovered(block: CodeBlock): string | undefined {
    const codes = errorCodesOf(block);
    if (block.marker !== undefined && skipReason(block) === undefined && !servesWith(block) && codes.length === 0)
      return `the comment "readme-test: ${block.marker}" is none of: skip: <reason>, serves[, Header: value], error CODE`;
    if (skipReason(block)) return undefined;
    if (servesWith(block) && !isLang(block, 'sh')) return '"serves" is for sh blocks';
    if (codes.length > 0 && !isLang(block, 'graphql')) return '"error CODE" is for graphql blocks';
    if (isLang(block, 'sh') || isLang(block, 'graphql')) return undefined;
    if (isLang(block, 'json'))
      return isLang(this.all[this.all.indexOf(block) - 1], 'graphql')
        ? undefined
        : 'a json block must follow the graphql block whose response it shows';
    if (!isLang(block, 'file')) return `no rule runs "${block.lang || 'unlabelled'}" blocks`;
    if (!block.file) return 'its first line must name its file, as in "// models.ts"';
    return this.isUsed(block) ? undefined : `no sh block runs ${block.file} and no other file imports it`;
  }

  /** A file is run when a shell block or another file names it (`npx tsx server.ts`, `from './models.js'`). */
  private isUsed(file: CodeBlock): boolean {
    const stem = new RegExp(`\\b${(file.file ?? '').replace(/\.\w+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
    return [...this.run('sh'), ...this.files()].some((other) => other !== file && stem.test(other.code));
  }
}
