import { marked, type Token, type Tokens } from 'marked';

/** A fenced code block of the README, with the `<!-- readme-test: ... -->` comment right before it, if any. */
export interface CodeBlock {
  lang: string;
  code: string;
  /** The line of the opening fence, for messages that send the reader to it. */
  line: number;
  /** What follows `readme-test:` in the comment before the block: `skip: reason`, `serves`, `error CODE`. */
  marker: string | undefined;
  /** The file a `// name.ts` first line says the block is, if it says so. */
  file: string | undefined;
}

const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->\s*$/s;
const FILE_COMMENT = /^(?:\/\/|#)\s*([\w.-]+\.(?:ts|mts|tsx|js|mjs|cjs|ya?ml))\s*$/;

/**
 * The README's code blocks in order. marked parses the Markdown (fences, indents and HTML comments as
 * CommonMark has them); only top-level blocks are read, so a block nested in a list is refused rather
 * than silently left untested.
 */
export function codeBlocks(markdown: string): CodeBlock[] {
  const tokens = marked.lexer(markdown);
  const blocks: CodeBlock[] = [];
  let line = 1;
  let marker: string | undefined;
  for (const token of tokens) {
    if (token.type === 'code') {
      const code = token as Tokens.Code;
      blocks.push({ lang: code.lang ?? '', code: code.text, line, marker, file: FILE_COMMENT.exec(code.text.split('\n')[0] ?? '')?.[1] });
    } else if (containsCode(token)) {
      throw new Error(`README.md:${line}: a code block inside a ${token.type} is not read by the README test; move it to the top level.`);
    }
    if (token.type === 'html') marker = MARKER.exec(token.raw.trim())?.[1];
    else if (token.type !== 'space') marker = undefined;
    line += token.raw.split('\n').length - 1;
  }
  return blocks;
}

function containsCode(token: Token): boolean {
  let found = false;
  marked.walkTokens([token], (each) => {
    if (each.type === 'code') found = true;
  });
  return found;
}

/** The reason of a `skip: reason` marker, or undefined when the block is not skipped. */
export const skipReason = (block: CodeBlock) => /^skip:\s*(\S.*)$/s.exec(block.marker ?? '')?.[1];
