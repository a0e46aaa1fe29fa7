import type { IncomingMessage } from 'node:http';

/**
 * The body of a request that announced `length` bytes. node:http ends the stream at Content-Length, and
 * refuses a body that runs past it, so at most `length` bytes arrive. Rejects when the client goes away.
 */
export function readBody(request: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    request.once('end', () =>
      received === length
        ? resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))
        : reject(new Error('body shorter than its Content-Length')),
    );
    request.once('error', reject);
    request.once('aborted', () => reject(new Error('request aborted')));
  });
}
