/**
 * The baseline: a bare socket.io server with no Plaza code. It does what Plaza's chat path does on
 * the wire and nothing else — join a room, broadcast a payload to a room with `io.to(room).emit`,
 * acknowledge the sender, echo an ack — so that the difference to Plaza is Plaza's own work
 * (validation, authorisation, persistence, bookkeeping).
 *
 * Run as a child process by `chat.ts`: `node --import tsx bench/plain-server.ts`. Listens on
 * 127.0.0.1 on a free port and prints `{"msg":"listening","port":N}`.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

type Ack = (answer: unknown) => void;

const http = createServer();
const io = new Server(http, { serveClient: false });

io.on('connection', (socket) => {
  socket.on('join', (room: string, ack?: Ack) => {
    void socket.join(room);
    ack?.({ ok: true });
  });
  socket.on('bcast', (room: string, payload: unknown, ack?: Ack) => {
    io.to(room).emit('msg', payload);
    ack?.({ ok: true });
  });
  socket.on('echo', (payload: unknown, ack?: Ack) => {
    ack?.(payload);
  });
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port, url: `http://127.0.0.1:${port}` })}\n`);
});

const stop = () => {
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
