import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * Baseline webdis: Redis's own HTTP front (the Debian package `webdis`), the floor of "GET documents
 * over HTTP". GET /MGET/k1/k2/... answers {"MGET": [<stored string>, ...]}: the stored JSON strings,
 * unparsed, so it does less work than the GraphQL systems; it marks how far below Redis they are.
 */

/** The webdis binary on PATH, or undefined when it is not installed: the bench then runs without it. */
export function findWebdis(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'webdis');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface WebdisServer {
  pid: number;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startWebdis(binary: string, redisUrl: string): Promise<WebdisServer> {
  const redis = new URL(redisUrl);
  const dir = await mkdtemp(join(tmpdir(), 'rmg-bench-webdis-'));
  // webdis takes its port from its config file and cannot report a kernel-picked one, so ask the kernel for a free port first.
  const port = await freePort();
  const config = join(dir, 'webdis.json');
  await writeFile(
    config,
    JSON.stringify({
      redis_host: redis.hostname,
      redis_port: Number(redis.port),
      http_host: '127.0.0.1',
      http_port: port,
      threads: 2,
      pool_size: 20,
      daemonize: false,
      database: 0,
      acl: [{ disabled: ['DEBUG', 'FLUSHDB', 'FLUSHALL', 'CONFIG', 'SHUTDOWN'] }],
      verbosity: 1,
      logfile: join(dir, 'webdis.log'),
    }),
  );
  const child = spawn(binary, [config], { stdio: ['ignore', 'ignore', 'pipe'] });
  // libevent warns on every connection autocannon closes at the end of a run ("Epoll ADD(4) on fd 62
  // failed ... Bad file descriptor"): the requests all succeeded, so drop that line and pass on the rest.
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (!/^\[warn\] Epoll ADD\(\d+\) on fd \d+ failed/.test(line)) process.stderr.write(`webdis: ${line}\n`);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(`${baseUrl}/PING`, () => child.exitCode !== null);
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error('webdis started without a process id.');
  return { pid: child.pid, baseUrl, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilAnswering(url: string, hasExited: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (hasExited()) throw new Error('webdis exited before it listened; its log is in the temporary directory it was given.');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`webdis did not answer ${url} within 5 s.`);
}
