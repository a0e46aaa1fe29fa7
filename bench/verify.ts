import { FIELD_NAMES, nodeBodyOf, nodesBody } from './bench-model.js';
import { REQUEST_HEADERS } from './measure.js';

export interface Target {
  label: string;
  url: string;
  /** How to send it a request; by default over HTTP. An in-process app passes its own. */
  fetch?: (url: string, init: RequestInit) => Promise<Response> | Response;
}

/**
 * Before any measurement: for each size, every system must answer the very same bytes, with every
 * key found and every field present, so that the benchmark compares equal work. Returns the answer
 * size in bytes per request size.
 */
export async function verifySameAnswers(
  targets: readonly Target[],
  sizes: readonly number[],
  bodyOf: (size: number) => string = nodesBody,
  headers: Record<string, string> = REQUEST_HEADERS,
): Promise<Map<number, number>> {
  const bytes = new Map<number, number>();
  for (const size of sizes) {
    const body = bodyOf(size);
    const answers = await Promise.all(targets.map((target) => post(target, body, headers)));
    const [first, ...others] = answers;
    if (first === undefined) continue;
    checkComplete(targets[0]?.label ?? '?', first, size);
    others.forEach((answer, i) => {
      if (answer !== first) {
        throw new Error(
          `For ${size} keys, ${targets[i + 1]?.label} answers differently from ${targets[0]?.label}:\n${answer.slice(0, 400)}\nvs\n${first.slice(0, 400)}`,
        );
      }
    });
    bytes.set(size, Buffer.byteLength(first));
  }
  return bytes;
}

async function post(target: Target, body: string, headers: Record<string, string>): Promise<string> {
  const response = await (target.fetch ?? fetch)(target.url, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${target.label} answered HTTP ${response.status}: ${text.slice(0, 400)}`);
  return text;
}

function checkComplete(label: string, text: string, size: number): void {
  const answer = JSON.parse(text) as { data?: { nodes?: Array<Record<string, unknown> | null> }; errors?: unknown };
  const nodes = answer.data?.nodes ?? [];
  const complete = nodes.every((node) => node !== null && ['key', ...FIELD_NAMES].every((name) => name in node));
  if (answer.errors !== undefined || nodes.length !== size || !complete) {
    throw new Error(`${label} did not return ${size} complete nodes (is the data seeded?): ${text.slice(0, 400)}`);
  }
}

/**
 * The node(key) row's check: every system answers the very same bytes for one key, the whole item.
 * Returns the answer size in bytes.
 */
export async function verifySameNodeAnswers(
  targets: readonly Target[],
  key: string,
  headers: Record<string, string> = REQUEST_HEADERS,
): Promise<number> {
  const body = nodeBodyOf(key);
  const answers = await Promise.all(targets.map((target) => post(target, body, headers)));
  const [first = '', ...others] = answers;
  const node = (JSON.parse(first) as { data?: { node?: Record<string, unknown> | null } }).data?.node;
  if (!node || node.key !== key || !FIELD_NAMES.every((name) => name in node))
    throw new Error(`${targets[0]?.label} did not return the whole item ${key} for node(key): ${first.slice(0, 400)}`);
  others.forEach((answer, i) => {
    if (answer !== first)
      throw new Error(
        `For node(key), ${targets[i + 1]?.label} answers differently from ${targets[0]?.label}:\n${answer.slice(0, 400)}\nvs\n${first.slice(0, 400)}`,
      );
  });
  return Buffer.byteLength(first);
}
