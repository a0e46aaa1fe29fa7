import autocannon from 'autocannon';

export interface LoadOptions {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface Sample {
  requestsPerSecond: number;
  p99Ms: number;
  /** The server process's CPU time per answered request, in µs: less disturbed than req/s on a shared machine. */
  cpuMicrosPerRequest: number;
}

/** Every system gets the same request; asking for plain JSON keeps Yoga's answer byte-identical to baseline (a)'s. */
export const REQUEST_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

export interface Target {
  url: string;
  /** @default 'POST' */
  method?: 'GET' | 'POST';
  /** Paths on `url` that each connection GETs in turn, in place of a body. */
  paths?: readonly string[];
  /** The exact answer every request must get; another counts as a failed request. Unchecked when absent. */
  expectBody?: string;
  /** The server's CPU time so far, in µs. */
  cpuMicros(): Promise<number>;
}

/**
 * A warm-up whose numbers are dropped (JIT, connection setup), then the measured run. Given several
 * bodies, each connection sends them in turn: they are built once here, before timing, so that the load
 * generator, which shares the cores with the server, does no per-request work. A GET has no body.
 */
export async function measure(
  target: Target,
  body: string | readonly string[] | undefined,
  { connections, warmupSeconds, durationSeconds }: LoadOptions,
  headers: Record<string, string> = REQUEST_HEADERS,
): Promise<Sample> {
  const method = target.method ?? 'POST';
  const options = {
    url: target.url,
    method,
    headers,
    connections,
    // verifyBody, not expectBody: autocannon refuses expectBody with a list of requests.
    ...(target.expectBody === undefined
      ? {}
      : { verifyBody: (answer: string | Buffer | undefined) => String(answer) === target.expectBody }),
    ...(target.paths ? { requests: target.paths.map((path) => ({ method, headers, path })) } : {}),
    ...(body === undefined || typeof body === 'string' ? { body } : { requests: body.map((each) => ({ method, headers, body: each })) }),
  };
  await run({ ...options, duration: warmupSeconds });
  const cpuBefore = await target.cpuMicros();
  const result = await run({ ...options, duration: durationSeconds });
  const cpu = (await target.cpuMicros()) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: cpu / Math.max(1, result.requests.total),
  };
}

/** A run with failed requests measures something else than the others: refuse it. */
async function run(options: autocannon.Options): Promise<autocannon.Result> {
  const result = await autocannon(options);
  if (result.errors > 0 || result.non2xx > 0 || result.mismatches > 0) {
    throw new Error(
      `${options.url}: ${result.errors} connection errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx answers and ${result.mismatches} unexpected answers in ${result.requests.total} requests; the comparison needs every request to succeed.`,
    );
  }
  return result;
}
