import { createServer, type ServerResponse } from 'node:http';
import { parse, validate, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { Redis } from 'ioredis';
import { createBareSchema } from './bare-schema.js';
import { runningServer } from './listen.js';
import type { RunningServer } from './running-server.js';

/*
 * Baseline (c), the ceiling of GraphQL execution in Node: node:http and graphql-jit over the schema of
 * bare-schema.ts, no Yoga, no envelop. A query text is parsed, validated and compiled once; after that
 * a request only runs the compiled query. The answer goes through JSON.stringify (graphql-jit's default),
 * as the other systems' do, so that every system answers the same bytes.
 */
export async function startBareJitServer(redisUrl: string): Promise<RunningServer> {
  const redis = new Redis(redisUrl);
  const compiled = compiledByQueryText(createBareSchema(redis));
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString()) as { query: string; variables?: Record<string, unknown> };
      const compiledQuery = compiled(query);
      if (!isCompiledQuery(compiledQuery)) return send(response, 400, JSON.stringify(compiledQuery));
      Promise.resolve(compiledQuery.query(undefined, {}, variables ?? {})).then(
        (result) => send(response, 200, compiledQuery.stringify(result)),
        (error: unknown) => send(response, 500, JSON.stringify({ errors: [{ message: String(error) }] })),
      );
    });
  });
  return runningServer(server, () => redis.quit());
}

/** The benchmark sends a handful of query texts, so the cache needs no bound. */
function compiledByQueryText(schema: GraphQLSchema) {
  const cache = new Map<string, CompiledQuery | ExecutionResult>();
  return (query: string): CompiledQuery | ExecutionResult => {
    const cached = cache.get(query);
    if (cached) return cached;
    const document = parse(query);
    const errors = validate(schema, document);
    const entry = errors.length > 0 ? { errors } : compileQuery(schema, document);
    cache.set(query, entry);
    return entry;
  };
}

function send(response: ServerResponse, status: number, body: string) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
