import { REQUEST_HEADERS } from './measure.js';

/** A Yoga app, or anything else answering fetch in-process. */
export interface App {
  fetch(url: string, init: RequestInit): Promise<Response> | Response;
}

/** CPU µs per request over `count` sequential requests, cycling through `bodies`. */
export async function cpuPerRequest(
  app: App,
  bodies: string | readonly string[],
  count: number,
  headers: Record<string, string> = REQUEST_HEADERS,
): Promise<number> {
  const list = typeof bodies === 'string' ? [bodies] : bodies;
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const response = await app.fetch('http://bench/graphql', { method: 'POST', headers, body: list[i % list.length] });
    // A refused request costs less than an answered one: it would flatter the side that refuses.
    if (response.status !== 200) throw new Error(`HTTP ${response.status} in-process: ${(await response.text()).slice(0, 400)}`);
    await response.text();
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}
