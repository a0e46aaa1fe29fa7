/**
 * The TypeScript type of each of the gateway's custom scalars as it travels in JSON, for
 * graphql-codegen's `scalars` option; without it codegen types them `unknown`. `DateTime` is an
 * RFC 3339 string on the wire (parse it yourself); `SafeInt` an integer up to 2^53 - 1, which a JS
 * number holds exactly; `JSON` serves the models' string-keyed record fields.
 */
export const codegenScalars = {
  DateTime: 'string',
  SafeInt: 'number',
  JSON: 'Record<string, unknown>',
} as const satisfies Record<string, string>;
