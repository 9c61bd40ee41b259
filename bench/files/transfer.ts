import { Agent, get, request } from 'node:http';

/** One keep-alive agent for the bench's own HTTP requests (both systems' downloads, plain uploads). */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** `PUT`s `bytes` to `url` in one request body; resolves when the server answered 2xx. */
export function putBytes(url: string, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', agent, headers: { 'content-length': bytes.length, 'content-type': 'application/octet-stream' } }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`PUT ${url}: HTTP ${res.statusCode}`))));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(bytes);
  });
}

/** Sends a `DELETE` to `url`. */
export function deleteUrl(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'DELETE', agent }, (res) => {
      res.resume();
      res.once('end', () => resolve());
    });
    req.once('error', reject);
    req.end();
  });
}

/**
 * `GET`s `url` and throws the body away as it streams in (to `/dev/null`, in effect); resolves with
 * the number of bytes received. Fails unless the answer is 200 with `expectBytes` bytes.
 */
export function downloadToNull(url: string, expectBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      res.once('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        else if (received !== expectBytes) reject(new Error(`GET ${url}: ${received} bytes, expected ${expectBytes}`));
        else resolve(received);
      });
      res.once('error', reject);
    }).once('error', reject);
  });
}

/** Runs `count` copies of `task(i)` at once; resolves with the wall time in milliseconds. */
export async function timed(count: number, task: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => task(i)));
  return performance.now() - start;
}
