import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { runningServer } from './listen.js';
import type { RunningServer } from './running-server.js';

/**
 * Baseline (a), the floor: node:http and ioredis, one MGET (or, given `variables.key`, one GET), JSON.parse
 * each document, JSON.stringify the answer in the gateway's shape. It trusts its input and ignores the query text.
 */
export async function startBareHttpServer(redisUrl: string): Promise<RunningServer> {
  const redis = new Redis(redisUrl);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      answer(redis, Buffer.concat(chunks).toString()).then(
        (body) => {
          response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
          response.end(body);
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(String(error));
        },
      );
    });
  });
  return runningServer(server, () => redis.quit());
}

async function answer(redis: Redis, requestBody: string): Promise<string> {
  const { keys = [], key } = (JSON.parse(requestBody) as { variables: { keys?: string[]; key?: string } }).variables;
  if (key !== undefined) {
    const document = await redis.get(key);
    return JSON.stringify({ data: { node: document === null ? null : { key, ...(JSON.parse(document) as object) } } });
  }
  const documents = await redis.mget(keys);
  const nodes = documents.map((document, i) => (document === null ? null : { key: keys[i], ...(JSON.parse(document) as object) }));
  return JSON.stringify({ data: { nodes } });
}
