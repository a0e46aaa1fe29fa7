import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { handedServer, listen, type Listening } from '../src/server/cli/listen.js';

/*
 * How serve takes connections (src/server/cli/listen.ts): the process that binds the port accepts each
 * connection and hands it to a serving process in turn, itself included. In one process here, with two
 * HTTP servers standing for two serving processes.
 */

let bound: Listening | undefined;
afterEach(async () => {
  await bound?.close();
  bound = undefined;
});

/** One GET on a connection of its own; resolves with the body. */
const getAlone = (port: number) =>
  new Promise<string>((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/', agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });

describe('listen', () => {
  it('answers 503 "starting" until told what serves', async () => {
    bound = await listen(0, '127.0.0.1');
    expect(await getAlone(bound.port)).toBe('starting\n');
    bound.serve((_request, response) => response.end('served'));
    expect(await getAlone(bound.port)).toBe('served');
  });

  it('hands each new connection to the next serving process in turn, itself included', async () => {
    bound = await listen(0, '127.0.0.1');
    const other = handedServer();
    bound.serve((_request, response) => response.end('own'));
    other.serve((_request, response) => response.end('other'));
    bound.handOut([{ take: other.take, isFree: () => true }]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await getAlone(bound.port));
    expect(new Set(answers)).toEqual(new Set(['own', 'other']));
    for (let i = 1; i < answers.length; i++) expect(answers[i]).not.toBe(answers[i - 1]);
  });

  it('passes over a process that is not free, such as one that has not taken the last connection it was sent', async () => {
    bound = await listen(0, '127.0.0.1');
    const busy = handedServer();
    bound.serve((_request, response) => response.end('own'));
    busy.serve((_request, response) => response.end('busy'));
    bound.handOut([{ take: busy.take, isFree: () => false }]);
    for (let i = 0; i < 3; i++) expect(await getAlone(bound.port)).toBe('own');
  });

  it('reads a request sent before the connection was handed over', async () => {
    bound = await listen(0, '127.0.0.1');
    bound.serve((_request, response) => response.end('served'));
    const socket = connect(bound.port, '127.0.0.1');
    // Written at once, while the listening side may not have handed the connection to anyone yet.
    socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nserved$/);
  });

  it('tracks a handed connection as its own, so that closing idle connections ends a kept-alive one', async () => {
    bound = await listen(0, '127.0.0.1');
    const other = handedServer();
    other.serve((_request, response) => response.end('other'));
    bound.handOut([{ take: other.take, isFree: () => true }]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const closed: Promise<void>[] = [];
    try {
      // Two connections, one to each server: both stay open, idle, after their response.
      for (let i = 0; i < 2; i++)
        await new Promise<void>((resolve, reject) => {
          const sent = request(
            { port: bound?.port, host: '127.0.0.1', path: '/', agent: i === 0 ? agent : new Agent({ keepAlive: true }) },
            (response) => {
              response.resume().on('end', () => {
                closed.push(new Promise((gone) => sent.socket?.once('close', () => gone())));
                resolve();
              });
            },
          );
          sent.on('error', reject).end();
        });
      bound.server.closeIdleConnections();
      other.server.closeIdleConnections();
      await Promise.all(closed);
      expect(closed).toHaveLength(2);
    } finally {
      agent.destroy();
    }
  });
});
