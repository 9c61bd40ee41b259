/**
 * The file baseline: a bare Node HTTP server with no Plaza code. `PUT /f/:name` streams the request
 * body to `<dir>/<name>` (`pipeline(req, fs.createWriteStream)`, then fsync, like a store that
 * acknowledges durable bytes); `GET /f/:name` streams the file to the socket (`fs.createReadStream`
 * piped into the response); `DELETE /f/:name` removes it. No auth, no checks, no hashing.
 *
 * Run as a child process by `files.ts`: `node --import tsx bench/files/plain-file-server.ts <dir>`.
 * Listens on 127.0.0.1 on a free port and prints `{"msg":"listening","port":N}`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2];
if (!dir) throw new Error('usage: plain-file-server.ts <dir>');
const NAME = /^\/f\/([A-Za-z0-9_-]{1,64})$/;

const server = createServer((req, res) => {
  const match = NAME.exec(req.url ?? '');
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  const path = join(dir, match[1] as string);
  const fail = (error: unknown) => {
    if (!res.headersSent) res.writeHead(500).end(String(error));
    else res.destroy();
  };
  if (req.method === 'PUT') {
    pipeline(req, createWriteStream(path))
      .then(async () => {
        const handle = await open(path, 'r');
        await handle.sync();
        await handle.close();
        res.writeHead(204).end();
      })
      .catch(fail);
  } else if (req.method === 'GET') {
    stat(path)
      .then((info) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
        return pipeline(createReadStream(path), res);
      })
      .catch(fail);
  } else if (req.method === 'DELETE') {
    rm(path, { force: true })
      .then(() => res.writeHead(204).end())
      .catch(fail);
  } else {
    res.writeHead(405).end();
  }
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
