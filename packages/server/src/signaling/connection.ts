import type { PlazaSocket, SignalingContext } from './context.js';
import { conversationRoom, departmentRoom, userRoom } from './context.js';
import { lazyChild } from '../logger.js';
import { registerDispatcher } from './dispatch.js';
import { handlers } from './handlers/index.js';

/** setTimeout's largest delay; longer token lifetimes are re-checked when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Sets up an accepted socket: joins `u:<userId>`, every `c:<conversationId>` and the `d:<departmentId>`
 * of each department the user is an agent of (leaving rooms a
 * recovered session kept for conversations the user has left meanwhile), registers the request
 * dispatcher, reports the device to presence (see `PresenceAnnouncer`), and closes the connection when its token expires (the client
 * reconnects with a fresh token).
 */
export function handleConnection(ctx: SignalingContext, socket: PlazaSocket): void {
  const { user, conversationIds, departmentIds, expiresAtMs } = socket.data;
  const logger = lazyChild(ctx.logger, { component: 'connection', userId: user.id, socketId: socket.id });
  const debug = ctx.logger.isLevelEnabled('debug');
  const rooms = new Set([userRoom(user.id), ...conversationIds.map(conversationRoom), ...departmentIds.map(departmentRoom)]);
  for (const room of socket.rooms) {
    if (room !== socket.id && !rooms.has(room)) socket.leave(room);
  }
  socket.join([...rooms]);
  // A recovered socket takes back the call participants it left in their grace period.
  if (socket.recovered) ctx.calls.socketRecovered(socket);
  registerDispatcher(ctx, socket, handlers);
  ctx.metrics.connections.inc();
  if (debug) logger().debug({ recovered: socket.recovered, rooms: rooms.size }, 'connected');

  let expiryTimer: NodeJS.Timeout | null = null;
  const armExpiry = () => {
    const remaining = expiresAtMs - Date.now();
    if (remaining <= 0) {
      // Close the transport rather than "server disconnect": clients then reconnect on their own,
      // asking their token provider for a fresh token (a stale one is refused with TOKEN_EXPIRED).
      logger().info('token expired; closing the connection');
      socket.conn.close();
      return;
    }
    expiryTimer = setTimeout(armExpiry, Math.min(remaining, MAX_TIMER_MS));
    expiryTimer.unref();
  };
  armExpiry();

  void ctx.announcer
    .connected(user.id, socket.id)
    .catch((error: unknown) => logger().warn({ err: error }, 'presence connect failed'));

  socket.on('disconnect', (reason) => {
    if (expiryTimer) clearTimeout(expiryTimer);
    ctx.metrics.connections.dec();
    // Its call participants wait out the rejoin grace period, then leave.
    ctx.calls.socketGone(socket.id);
    if (debug) logger().debug({ reason }, 'disconnected');
    void ctx.announcer
      .disconnected(user.id, socket.id)
      .catch((error: unknown) => logger().warn({ err: error }, 'presence disconnect failed'));
  });
}
