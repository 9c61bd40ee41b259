import { ErrorCode } from '@plaza/protocol';
import type { CallJoined, IceServer, ParticipantLeftReason, ResolvedGrants, User } from '@plaza/protocol';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import type { Auditor } from '../Auditor.js';
import { PlazaError } from '../errors.js';
import type { ServerMetrics } from '../metrics.js';
import type { PlazaIo, PlazaSocket } from '../signaling/context.js';
import { conversationRoom } from '../signaling/context.js';
import type { ChatStore } from '../storage/ChatStore.js';
import { OutboxEventType } from '../storage/outbox.js';
import type { NewOutboxEvent } from '../storage/outbox.js';
import { Call, callRoom } from './Call.js';
import type { CallParticipant } from './CallParticipant.js';
import { KeyedLock } from './KeyedLock.js';
import type { RtcAddress } from './mediaSettings.js';
import { RingManager } from './RingManager.js';
import { WorkerPool } from './WorkerPool.js';

/** Settings of {@link CallManager} (from the server configuration). */
export interface CallSettings {
  /** Whether calls are enabled at all. */
  enabled: boolean;
  mediaWorkers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  rtcAddress: RtcAddress;
  iceServers: IceServer[];
  participantsPerRouter: number;
  ringTimeoutMs: number;
  rejoinGraceMs: number;
  /** Participants one call may hold. */
  maxCallParticipants: number;
  /** Participants one user may have across all live calls (those in their grace period included). */
  maxCallParticipantsPerUser: number;
}

/** What {@link CallManager} needs from the server. */
export interface CallManagerDeps {
  io: PlazaIo;
  store: ChatStore;
  auditor: Auditor;
  metrics: ServerMetrics;
  logger: Logger;
  settings: CallSettings;
}

/** Who asks, for joins and audit records. */
export interface CallActor {
  socket: PlazaSocket;
  user: User;
  grants: ResolvedGrants;
  ip: string | null;
}

/** How a removal is audited: the action, and who did it (a socket's user, or an id such as `api:<apiKey>`). */
export interface CallAudit {
  actor: CallActor | null;
  action: string;
  /** The actor when there is no socket (the REST API): its id and address. */
  by?: { actorId: string; ip: string | null };
}

/** How long a call lasted, for the system message: "1 h 2 min", "3 min 4 s", "5 s". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

/** What call events say about the call. */
function callFacts(call: Call): { id: string; conversationId: string; startedBy: string; startedAt: string } {
  return { id: call.id, conversationId: call.conversationId, startedBy: call.startedBy, startedAt: call.startedAt };
}

/** A `participant.joined` or `participant.left` outbox event. */
function participantEvent(type: OutboxEventType, call: Call, participant: CallParticipant, reason?: ParticipantLeftReason): NewOutboxEvent {
  const { id, userId, name, joinedAt } = participant;
  return { type, payload: { conversationId: call.conversationId, callId: call.id, participant: { id, userId, name, joinedAt }, ...(reason ? { reason } : {}) } };
}

/**
 * Every live call of this server, at most one per conversation: joining (starting a call when
 * none is live), resuming a participant after a reconnect, leaving, the grace period after a lost
 * socket, removal when membership ends, the end of a call (with system messages in the
 * conversation), and moving calls off a worker that died. Joins, leaves and rebuilds of one call
 * run one at a time.
 */
export class CallManager {
  /** Ringing of callees. */
  readonly rings: RingManager;
  readonly #deps: CallManagerDeps;
  readonly #settings: CallSettings;
  readonly #logger: Logger;
  #pool: WorkerPool | null = null;
  readonly #byConversation = new Map<string, Call>();
  readonly #byId = new Map<string, Call>();
  readonly #lock = new KeyedLock();
  /** Calls being ended by `end()`, with the time their `call:ended` went out. */
  readonly #announcedEnd = new WeakMap<Call, Date>();
  /** Join records being written (see `#recordJoin`). */
  readonly #joinRecords = new Set<Promise<void>>();
  /** Per user, new participants whose join is in flight (counted against `maxCallParticipantsPerUser`). */
  readonly #joining = new Map<string, number>();
  #closed = false;

  /** @param deps - see {@link CallManagerDeps} */
  constructor(deps: CallManagerDeps) {
    this.#deps = deps;
    this.#settings = deps.settings;
    this.#logger = deps.logger.child({ component: 'calls' });
    this.rings = new RingManager(deps.io, deps.settings.ringTimeoutMs);
  }

  /** Starts the media workers. When none can start, calls answer `MEDIA_UNAVAILABLE` (logged, not thrown). */
  async start(): Promise<void> {
    if (!this.#settings.enabled) return;
    const pool = new WorkerPool({
      size: this.#settings.mediaWorkers,
      rtcMinPort: this.#settings.rtcMinPort,
      rtcMaxPort: this.#settings.rtcMaxPort,
      logger: this.#logger,
      objects: this.#deps.metrics.mediaObjects,
      onDeath: () => this.#deps.metrics.mediaWorkerDeaths.inc(),
    });
    pool.on('workerDied', (worker) => this.#workerDied(worker));
    try {
      await pool.start();
      this.#pool = pool;
    } catch (error) {
      this.#logger.error({ err: error }, 'no media worker could start; calls are unavailable');
      await pool.close();
    }
  }

  /** The worker pool (`null` when calls are disabled or no worker started). */
  get pool(): WorkerPool | null {
    return this.#pool;
  }

  /** STUN/TURN servers for clients. */
  get iceServers(): IceServer[] {
    return this.#settings.iceServers;
  }

  /** A live call by id. */
  get(callId: string): Call | undefined {
    return this.#byId.get(callId);
  }

  /** The live call of a conversation. */
  ofConversation(conversationId: string): Call | undefined {
    return this.#byConversation.get(conversationId);
  }

  /** Every live call, oldest first. */
  list(): Call[] {
    return [...this.#byId.values()];
  }

  /**
   * Ends a call at once (an administrator's decision): participants and members are told first
   * that the call ended (`call:ended`, so clients leave with reason `ended`), then every
   * participant is removed (audited as `call.removed`) and the call closes as when its last
   * participant leaves. Audited as `call.ended` by `by`. Does nothing when it has ended already.
   */
  end(call: Call, by: { actorId: string; ip: string | null }): Promise<void> {
    return this.#lock.run(call.conversationId, async () => {
      if (call.ended) return;
      const endedAt = new Date();
      this.#announcedEnd.set(call, endedAt);
      this.#deps.io
        .to([callRoom(call.id), conversationRoom(call.conversationId)])
        .emit('call:ended', { callId: call.id, conversationId: call.conversationId, endedAt: endedAt.toISOString() });
      this.#deps.auditor.record({
        action: 'call.ended',
        actorId: by.actorId,
        target: call.conversationId,
        ip: by.ip,
        details: { callId: call.id, participants: call.participants.size },
      });
      for (const participant of [...call.participants.values()]) {
        await this.#leaveNow(call, participant, 'removed', { actor: null, action: 'call.removed', by });
      }
      if (!call.ended) await this.#end(call);
    });
  }

  /**
   * Joins the conversation's call (starting one when none is live). With `participantId` of the
   * same user's participant in the live call, the participant is bound to this socket: in its
   * grace period (or after `call:rebuild`) with the same transports when it still has them
   * (`resumed: true`), new ones otherwise; bound to another live socket (a second device taking
   * over), that socket is told it left and the participant gets new transports. The id of a
   * participant that left the live call (after its grace, say) joins it anew. Any other
   * `participantId` (its call ended, the server restarted) answers `CALL_NOT_FOUND` and starts
   * nothing. `CONFLICT` when this socket is already in the call as
   * another participant, when the call is full (`maxCallParticipants`) or when the user has
   * `maxCallParticipantsPerUser` participants already.
   */
  async join(actor: CallActor, conversationId: string, participantId: string | undefined): Promise<CallJoined> {
    const pool = this.#pool;
    if (!pool || this.#closed) throw new PlazaError(ErrorCode.MEDIA_UNAVAILABLE, this.#settings.enabled ? 'calls are unavailable: no media worker runs' : 'calls are disabled on this server');
    return this.#lock.run(conversationId, async () => {
      // Membership may have ended while this join waited for the lock.
      if (!(await this.#deps.store.getMembership(conversationId, actor.user.id))) {
        throw new PlazaError(ErrorCode.NOT_A_MEMBER, `you are not a member of conversation ${conversationId}`);
      }
      const live = this.#byConversation.get(conversationId);
      // A participant that left this very call (its grace ran out, say) joins it anew.
      if (participantId !== undefined && live?.departed.get(participantId) === actor.user.id) participantId = undefined;
      const participant = participantId ? live?.participants.get(participantId) : undefined;
      if (participantId !== undefined && (!participant || participant.userId !== actor.user.id)) {
        throw new PlazaError(
          ErrorCode.CALL_NOT_FOUND,
          `the call of participant ${participantId} has ended (or the server restarted since); join again without participantId to start a new call`,
        );
      }
      const bound = live?.participantOfSocket(actor.socket.id);
      if (bound && bound.id !== participantId) {
        throw new PlazaError(ErrorCode.CONFLICT, `this connection is already in the call as ${bound.id}`);
      }
      if (participant && live) return this.#rejoin(live, participant, actor);
      this.#checkCaps(live, actor.user.id);
      this.#joining.set(actor.user.id, (this.#joining.get(actor.user.id) ?? 0) + 1);
      try {
        return await this.#joinNew(pool, live, conversationId, actor);
      } finally {
        const left = (this.#joining.get(actor.user.id) ?? 1) - 1;
        if (left > 0) this.#joining.set(actor.user.id, left);
        else this.#joining.delete(actor.user.id);
      }
    });
  }

  /** `CONFLICT` when the call is full or the user has their share of participants (joins in flight included). */
  #checkCaps(call: Call | undefined, userId: string): void {
    const { maxCallParticipants, maxCallParticipantsPerUser } = this.#settings;
    if (call && call.participants.size >= maxCallParticipants) {
      throw new PlazaError(ErrorCode.CONFLICT, `this call is full: it holds ${maxCallParticipants} participants, the server's limit (maxCallParticipants)`);
    }
    let mine = this.#joining.get(userId) ?? 0;
    for (const c of this.#byId.values()) for (const p of c.participants.values()) if (p.userId === userId) mine++;
    if (mine >= maxCallParticipantsPerUser) {
      throw new PlazaError(
        ErrorCode.CONFLICT,
        `you are in calls with ${mine} devices already, the server's limit (maxCallParticipantsPerUser ${maxCallParticipantsPerUser}); leave a call on another device first`,
      );
    }
  }

  /** Binds a known participant to the actor's socket (resume, takeover, or rebuild after a worker death). */
  async #rejoin(call: Call, participant: CallParticipant, actor: CallActor): Promise<CallJoined> {
    const takeover = participant.socketId !== null && participant.socketId !== actor.socket.id;
    this.#bind(call, participant, actor);
    let resumed = false;
    if (participant.hasMedia && !takeover) resumed = true;
    else {
      // The other device's connection holds the old transports' DTLS session: new ones for this one.
      if (takeover) this.#dropTracks(call, participant);
      await call.buildMedia(participant);
    }
    actor.socket.join(callRoom(call.id));
    this.#audit(actor, 'call.rejoined', call, { participantId: participant.id, resumed, takeover });
    return this.#joined(call, participant, actor, resumed);
  }

  /** Closes a participant's media, telling the others its tracks are gone. */
  #dropTracks(call: Call, participant: CallParticipant): void {
    for (const trackId of participant.tracks.keys()) {
      call.toCall(participant.socketId).emit('call:trackUnpublished', { callId: call.id, participantId: participant.id, trackId });
    }
    participant.dropMedia();
  }

  /** A new participant, in the live call or in a call it starts. */
  async #joinNew(pool: WorkerPool, live: Call | undefined, conversationId: string, actor: CallActor): Promise<CallJoined> {
    const started = !live;
    const call =
      live ??
      new Call(conversationId, actor.user.id, {
        io: this.#deps.io,
        pool,
        logger: this.#logger,
        rtcAddress: this.#settings.rtcAddress,
        participantsPerRouter: this.#settings.participantsPerRouter,
      });
    const participant = call.addParticipant({ userId: actor.user.id, name: actor.user.name, grants: actor.grants, socketId: actor.socket.id });
    try {
      if (started) await call.ensureRouter();
      await call.buildMedia(participant);
    } catch (error) {
      call.participants.delete(participant.id);
      participant.gone = true;
      if (started) call.close();
      throw error;
    }
    this.#deps.metrics.callParticipants.inc();
    call.toCall().emit('call:participantJoined', { callId: call.id, participant: participant.toWire() });
    this.rings.end(call.id, actor.user.id, 'answered');
    actor.socket.join(callRoom(call.id));
    this.#recordJoin(
      call,
      [
        ...(started ? [{ type: OutboxEventType.callStarted, payload: { conversationId, call: callFacts(call) } }] : []),
        participantEvent(OutboxEventType.participantJoined, call, participant),
      ],
      started ? `${actor.user.name} started a call` : null,
    );
    if (started) {
      this.#byConversation.set(conversationId, call);
      this.#byId.set(call.id, call);
      this.#deps.metrics.callsActive.inc();
      this.#deps.io.to(conversationRoom(conversationId)).emit('call:started', call.info());
    }
    this.#audit(actor, 'call.joined', call, { participantId: participant.id, resumed: false });
    return this.#joined(call, participant, actor, false);
  }

  /** The answer to a join. */
  async #joined(call: Call, participant: CallParticipant, actor: CallActor, resumed: boolean): Promise<CallJoined> {
    // The socket went away while this join ran: its participant starts its grace period now.
    if (!actor.socket.connected) this.socketGone(actor.socket.id);
    const rtpCapabilities = await call.rtpCapabilities();
    return {
      call: call.info(),
      participantId: participant.id,
      resumed,
      routerRtpCapabilities: (participant.router?.router.rtpCapabilities ?? rtpCapabilities) as CallJoined['routerRtpCapabilities'],
      sendTransport: Call.transportOptions(participant.sendTransport),
      recvTransport: Call.transportOptions(participant.recvTransport),
      iceServers: this.#settings.iceServers,
    };
  }

  #bind(call: Call, participant: CallParticipant, actor: CallActor): void {
    if (participant.graceTimer) clearTimeout(participant.graceTimer);
    participant.graceTimer = null;
    if (participant.socketId && participant.socketId !== actor.socket.id) {
      // Another device takes the participant over: the old connection is told it left and detached.
      this.#deps.io.to(participant.socketId).emit('call:participantLeft', { callId: call.id, participantId: participant.id, userId: participant.userId, reason: 'left' });
      this.#deps.io.in(participant.socketId).socketsLeave(callRoom(call.id));
    }
    participant.socketId = actor.socket.id;
    participant.grants = actor.grants;
  }

  /**
   * Removes a participant (leave, removal, end of grace, end of membership): closes its media,
   * cancels the rings it started, tells the others, and ends the call when it was the last one.
   */
  leave(call: Call, participant: CallParticipant, reason: ParticipantLeftReason, audit?: CallAudit): Promise<void> {
    return this.#lock.run(call.conversationId, () => this.#leaveNow(call, participant, reason, audit));
  }

  async #leaveNow(call: Call, participant: CallParticipant, reason: ParticipantLeftReason, audit?: CallAudit): Promise<void> {
    if (participant.gone || call.ended) return;
    this.rings.endAll(call.id, 'cancelled', (ring) => ring.callerParticipantId === participant.id);
    call.removeParticipant(participant, reason);
    this.#deps.metrics.callParticipants.dec();
    this.#deps.auditor.record({
      action: audit?.action ?? 'call.left',
      actorId: audit?.actor?.user.id ?? audit?.by?.actorId ?? participant.userId,
      target: call.conversationId,
      ip: audit?.actor?.ip ?? audit?.by?.ip ?? null,
      details: { callId: call.id, participantId: participant.id, userId: participant.userId, reason },
    });
    await this.#recordEvents(call, [participantEvent(OutboxEventType.participantLeft, call, participant, reason)]);
    if (call.participants.size === 0) await this.#end(call);
  }

  /** The socket went away: its participants wait `callRejoinGraceMs` to be resumed, then leave ('disconnected'). */
  socketGone(socketId: string): void {
    for (const call of this.#byId.values()) {
      const participant = call.participantOfSocket(socketId);
      if (!participant) continue;
      participant.lastSocketId = socketId;
      participant.socketId = null;
      const expire = () => {
        participant.graceTimer = null;
        this.leave(call, participant, 'disconnected').catch((error: unknown) => this.#logger.error({ err: error, callId: call.id }, 'removing a disconnected participant failed'));
      };
      if (this.#settings.rejoinGraceMs === 0) expire();
      else {
        participant.graceTimer = setTimeout(expire, this.#settings.rejoinGraceMs);
        participant.graceTimer.unref();
      }
    }
  }

  /**
   * A socket came back through socket.io's connection state recovery (same id, same user): its
   * participants waiting in their grace period are bound to it again, as if resumed.
   */
  socketRecovered(socket: PlazaSocket): void {
    for (const call of this.#byId.values()) {
      for (const participant of call.participants.values()) {
        if (participant.socketId !== null || participant.lastSocketId !== socket.id || participant.userId !== socket.data.user.id) continue;
        if (participant.graceTimer) clearTimeout(participant.graceTimer);
        participant.graceTimer = null;
        participant.socketId = socket.id;
        socket.join(callRoom(call.id));
      }
    }
  }

  /** `userId` is no longer a member of the conversation: every participant of theirs leaves its call, and rings to them stop. */
  memberRemoved(conversationId: string, userId: string, reason: 'left' | 'removed'): Promise<void> {
    // Under the call's lock, so a join that was in flight is either refused or removed here.
    return this.#lock.run(conversationId, async () => {
      const call = this.#byConversation.get(conversationId);
      if (!call) return;
      this.rings.end(call.id, userId, 'cancelled');
      const theirs = [...call.participants.values()].filter((p) => p.userId === userId);
      for (const participant of theirs) {
        await this.#leaveNow(call, participant, reason, { actor: null, action: reason === 'left' ? 'call.left' : 'call.removed' });
      }
    });
  }

  /** Ends every call and stops the workers (shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const call of [...this.#byId.values()]) {
      await this.#lock.run(call.conversationId, async () => {
        if (call.ended) return;
        for (const participant of [...call.participants.values()]) {
          call.removeParticipant(participant, 'disconnected');
          this.#deps.metrics.callParticipants.dec();
        }
        await this.#end(call);
      });
    }
    this.rings.close();
    await Promise.allSettled([...this.#joinRecords]);
    await this.#pool?.close();
    this.#pool = null;
  }

  /** Records an audit entry about a call. */
  #audit(actor: CallActor, action: string, call: Call, details: Record<string, unknown>): void {
    this.#deps.auditor.record({ action, actorId: actor.user.id, target: call.conversationId, ip: actor.ip, details: { callId: call.id, ...details } });
  }

  async #end(call: Call): Promise<void> {
    call.close();
    this.#byConversation.delete(call.conversationId);
    this.#byId.delete(call.id);
    this.rings.endAll(call.id, 'cancelled');
    this.#deps.metrics.callsActive.dec();
    // A call ended by `end()` announced its end before its participants left.
    const announcedAt = this.#announcedEnd.get(call);
    this.#announcedEnd.delete(call);
    const endedAt = announcedAt ?? new Date();
    if (!announcedAt) this.#deps.io.to(conversationRoom(call.conversationId)).emit('call:ended', { callId: call.id, conversationId: call.conversationId, endedAt: endedAt.toISOString() });
    const duration = endedAt.getTime() - Date.parse(call.startedAt);
    await this.#recordEvents(call, [
      { type: OutboxEventType.callEnded, payload: { conversationId: call.conversationId, call: callFacts(call), endedAt: endedAt.toISOString(), durationMs: duration } },
    ]);
    await this.#postSystemMessage(call, `Call ended after ${formatDuration(duration)}`);
    call.logger.info({ durationMs: duration }, 'call ended');
  }

  /**
   * Records a join — its outbox events for webhooks and, for a call that starts, the system
   * message — without holding up the join's answer: a durable commit waits for a sync of the
   * database log (an fdatasync, several ms on a busy disk, more than the rest of the join), and the
   * answer does not need it (the call lives in memory). The outbox keeps its order: the store runs
   * transactions in the order they are asked for, and these are asked for now, before any later
   * leave's or end's (which still wait for their own). {@link CallManager.close} waits for those
   * still running.
   */
  #recordJoin(call: Call, events: NewOutboxEvent[], systemMessage: string | null): void {
    const writes = [this.#recordEvents(call, events)];
    if (systemMessage !== null) writes.push(this.#postSystemMessage(call, systemMessage));
    const done = Promise.all(writes).then(() => undefined);
    this.#joinRecords.add(done);
    void done.finally(() => this.#joinRecords.delete(done));
  }

  /** Writes call events to the outbox for webhooks (failures are logged: the call goes on). */
  async #recordEvents(call: Call, events: NewOutboxEvent[]): Promise<void> {
    try {
      await this.#deps.store.recordEvents(events);
    } catch (error) {
      call.logger.warn({ err: error }, 'could not record the call events');
    }
  }

  /** Posts a system message into the call's conversation (failures are logged: the call goes on). */
  async #postSystemMessage(call: Call, text: string): Promise<void> {
    try {
      const { message, duplicate } = await this.#deps.store.appendMessage({
        conversationId: call.conversationId,
        senderId: call.startedBy,
        clientId: null,
        kind: 'system',
        text,
        replyTo: null,
        mentions: [],
      });
      if (duplicate) return;
      this.#deps.metrics.messages.inc();
      this.#deps.io.to(conversationRoom(call.conversationId)).emit('message:new', message);
    } catch (error) {
      call.logger.warn({ err: error }, 'could not post the call system message');
    }
  }

  #workerDied(worker: ms.Worker): void {
    for (const call of this.#byId.values()) {
      if (!call.usesWorker(worker)) continue;
      void this.#lock
        .run(call.conversationId, async () => {
          if (call.ended) return;
          call.logger.warn({ pid: worker.pid }, 'media worker of the call died; rebuilding the call on another worker');
          await call.rebuild();
        })
        .catch(async (error: unknown) => {
          call.logger.error({ err: error }, 'could not rebuild the call; ending it');
          await this.#lock.run(call.conversationId, async () => {
            if (call.ended) return;
            for (const participant of [...call.participants.values()]) {
              call.removeParticipant(participant, 'disconnected');
              this.#deps.metrics.callParticipants.dec();
            }
            await this.#end(call);
          });
        });
    }
  }
}
