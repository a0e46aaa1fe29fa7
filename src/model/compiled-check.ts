import type { z } from 'zod';
import type { FieldDescription, FieldType } from './field-description.js';
import { isKeyOf } from './reference.js';
import { acceptsNullItems, defOf, outermostDefault, unwrap } from './zod-wrappers.js';

type Slot = Record<string, unknown>;
/** The settled object (itself, or a copy without unknown keys), or undefined when the structure fails. */
export type FastCheck = (value: Slot) => Slot | undefined;

/** Values the generated code reaches as `h[i]`: defaults, nested checks, helpers. */
class Helpers {
  readonly values: unknown[] = [];
  ref(value: unknown): string {
    return `h[${this.values.push(value) - 1}]`;
  }
  compile<T>(name: string, params: string, body: string): T {
    return new Function('h', `"use strict"; return function ${name}(${params}) {\n${body}\n};`)(this.values) as T;
  }
}

/**
 * The rules of compileFieldsCheck (structural-check.ts), generated as straight-line code with
 * `new Function`: property names are constants, so each field is a monomorphic load and a few
 * comparisons, and the happy path allocates nothing but the Dates it revives. It only answers whether
 * the structure holds; compileFieldsCheck says where and why for a document that fails.
 */
export function compileFastCheck(fields: readonly FieldDescription[], shape: Readonly<Record<string, z.ZodType>>): FastCheck {
  const h = new Helpers();
  const lines = ['let own = 0;', 'for (const _ in v) own++;', 'let present = 0;', 'let x;'];
  for (const field of fields) {
    const schema = shape[field.name] as z.ZodType;
    const target = `v[${JSON.stringify(field.name)}]`;
    const defaulted = outermostDefault(schema);
    // zod fills a default on read (a field added later); its getter hands out a fresh copy each time.
    const absent = defaulted ? `${target} = ${h.ref(defaulted)}.defaultValue;` : field.optional ? '' : 'return undefined;';
    lines.push(
      `x = ${target};`,
      `if (x === undefined) { ${absent} } else { present++;`,
      field.acceptsNull ? 'if (x !== null) {' : '{',
      typeCode(field.type, unwrap(schema), target, 'return undefined;', h),
      '} }',
    );
  }
  // zod strips keys the model does not name; so must reads, or a lock save could write them back.
  lines.push(`return present === own ? v : ${h.ref(onlyFields(fields.map((field) => field.name)))}(v);`);
  return h.compile<FastCheck>('checkFields', 'v', lines.join('\n'));
}

/** Code that checks `x` (neither undefined nor null) against `type`, and settles `target` when it must change. */
function typeCode(type: FieldType, schema: z.ZodType, target: string, fail: string, h: Helpers): string {
  switch (type.kind) {
    case 'string':
      // A reference is resolved by reading that key as the target model: it must be one of its keys.
      return type.reference
        ? `if (typeof x !== "string" || !${h.ref(isKeyOf)}(x, ${JSON.stringify(type.reference.targetName())})) ${fail}`
        : `if (typeof x !== "string") ${fail}`;
    case 'boolean':
      return `if (typeof x !== "boolean") ${fail}`;
    case 'float':
      // JSON has no NaN, but 1e400 parses to Infinity.
      return `if (!Number.isFinite(x)) ${fail}`;
    case 'int':
      // For a number, (x | 0) === x holds exactly for the integers of 32 bits.
      return `if (typeof x !== "number" || (x | 0) !== x) ${fail}`;
    case 'safeInt':
      return `if (!Number.isSafeInteger(x)) ${fail}`;
    case 'datetime':
      return `if (typeof x !== "string") ${fail} x = new Date(x); if (Number.isNaN(x.getTime())) ${fail} ${target} = x;`;
    case 'enum':
      return type.values.length > 0 && type.values.length <= 8
        ? `if (${type.values.map((value) => `x !== ${JSON.stringify(value)}`).join(' && ')}) ${fail}`
        : `if (!${h.ref(new Set(type.values))}.has(x)) ${fail}`;
    case 'record':
      // JSON.parse makes "__proto__" an own key; zod leaves it out of a record, and so do reads.
      return `if (typeof x !== "object" || x === null || Array.isArray(x)) ${fail} if (Object.prototype.hasOwnProperty.call(x, "__proto__")) ${target} = ${h.ref(withoutProto)}(x);`;
    case 'object': {
      const check = h.ref(compileFastCheck(type.fields, defOf(schema).shape ?? {}));
      return `if (typeof x !== "object" || x === null || Array.isArray(x)) ${fail} { const y = ${check}(x); if (y === undefined) ${fail} if (y !== x) ${target} = y; }`;
    }
    case 'list': {
      const element = defOf(schema).element as z.ZodType;
      const item = typeCode(type.of, unwrap(element), 'a[i]', 'return false;', h);
      const nulls = acceptsNullItems(element) ? 'if (x === null) continue;' : '';
      const check = h.ref(
        h.compile('checkList', 'a', `let x; for (let i = 0; i < a.length; i++) { x = a[i]; ${nulls} ${item} } return true;`),
      );
      return `if (!Array.isArray(x) || !${check}(x)) ${fail}`;
    }
  }
}

const onlyFields =
  (names: readonly string[]) =>
  (value: Slot): Slot => {
    const kept: Slot = {};
    for (const name of names) if (Object.prototype.hasOwnProperty.call(value, name)) kept[name] = value[name];
    return kept;
  };

const withoutProto = (value: Slot): Slot => {
  const kept: Slot = {};
  for (const name of Object.keys(value)) if (name !== '__proto__') kept[name] = value[name];
  return kept;
};
