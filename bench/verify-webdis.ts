import { REQUEST_HEADERS } from './measure.js';
import type { NodesRequest } from './nodes-systems.js';

/**
 * webdis answers the stored strings, not GraphQL: check that they are the very documents the GraphQL
 * systems serve, by building the GraphQL answer from them (key first, then the parsed document, as
 * baseline (a) does) and comparing bytes. Returns webdis's answer size in bytes.
 */
export async function verifyWebdisAnswer(webdis: NodesRequest, graphql: NodesRequest, keys: readonly string[]): Promise<number> {
  const graphqlAnswer = await (await fetch(graphql.url, { method: graphql.method, headers: REQUEST_HEADERS, body: graphql.body })).text();
  const response = await fetch(webdis.url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`webdis answered HTTP ${response.status}: ${text.slice(0, 400)}`);
  const stored = (JSON.parse(text) as { MGET?: Array<string | null> }).MGET ?? [];
  const nodes = stored.map((document, i) => (document === null ? null : { key: keys[i], ...(JSON.parse(document) as object) }));
  if (JSON.stringify({ data: { nodes } }) !== graphqlAnswer) {
    throw new Error(`For ${keys.length} keys, webdis serves other documents than the GraphQL systems:\n${text.slice(0, 400)}`);
  }
  return Buffer.byteLength(text);
}
