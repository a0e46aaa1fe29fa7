/**
 * Source text of generated JSON writers, compiled with `new Function`. A writer is a plain function of
 * one value answering JSON text; the values it needs (serializers, enum tables) are passed in as
 * constants, so the generated text holds only names, numbers and JSON string literals, never input text
 * spliced in unescaped.
 */

/** Thrown by a generated writer where graphql-js would answer an error (a null in a non-null field...). */
export const UNANSWERED = Object.freeze({ unanswered: true });

const unanswered = (): never => {
  throw UNANSWERED;
};

export class WriterSource {
  private readonly constants: unknown[] = [];
  private readonly functions: string[] = [];

  /** An expression naming `value` inside the generated code. */
  constant(value: unknown): string {
    this.constants.push(value);
    return `C[${this.constants.length - 1}]`;
  }

  /** Adds `function <name>(<param>) { <body> }` and answers its name. */
  define(param: string, body: string): string {
    const name = `w${this.functions.length}`;
    this.functions.push(`function ${name}(${param}) {\n${body}\n}`);
    return name;
  }

  /** The function named `entry`, with every function defined so far in its scope. */
  compile<F>(entry: string): F {
    // `H()` is how generated code gives up; `C` holds the constants.
    const body = `'use strict';\n${STRING_TEXT}\n${this.functions.join('\n')}\nreturn ${entry};`;
    const factory = new Function('C', 'H', body) as (constants: unknown[], giveUp: () => never) => F;
    return factory(this.constants, unanswered);
  }
}

/**
 * `q(s)`, the JSON text of string `s`: JSON.stringify's own when `s` holds a character it escapes
 * (`"`, `\\`, a control character or any surrogate, paired or not), else `s` between quotes, which
 * is the same text at half the cost.
 */
const STRING_TEXT = String.raw`var NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;
function q(s) { return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"'; }`;

/** A JS string literal holding `text`. */
export const literal = (text: string) => JSON.stringify(text);
