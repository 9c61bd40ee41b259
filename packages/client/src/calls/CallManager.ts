import { ErrorCode } from '@plaza/protocol';
import type { CallInfo, CallServerEvents } from '@plaza/protocol';
import { InvalidStateError, PlazaError, toPlazaError } from '../errors.js';
import type { CallManagerEvents, ConnectionState } from '../events.js';
import { SafeEmitter } from '../internal/SafeEmitter.js';
import { assertId } from '../internal/validate.js';
import type { Logger } from '../logger.js';
import { Call } from './Call.js';
import type { CallOptions, JoinCallOptions } from './Call.js';
import { IncomingRing } from './IncomingRing.js';
import type { RequestFn } from './signaling.js';
import type { WebRtcImplementation } from './webrtc.js';

/** What the call manager needs from the client (injected). */
export interface CallManagerContext {
  /** Signaling. */
  request: RequestFn;
  /** WebRTC classes for runtimes without them (the client's `webrtc` option). */
  webrtc: WebRtcImplementation | undefined;
  /** Whether the Plaza connection is up. */
  isConnected(): boolean;
  /** Whether the client has connected at least once. */
  hasSession(): boolean;
  /** Where to log. */
  logger(): Logger;
}

/** Server events that concern one call and carry its id. */
type CallEventName = Exclude<keyof CallServerEvents, 'call:started' | 'call:ringing' | 'call:ringEnded'>;
type CallEventOf<K extends keyof CallServerEvents> = Parameters<CallServerEvents[K]>[0];

/** Events kept while a join waits for its answer (they may concern the call being joined). */
const MAX_BUFFERED_EVENTS = 1000;

/**
 * Calls of the user (`plaza.calls`): incoming rings, the live call of a conversation, and the calls
 * the user is in. Join with `conversation.joinCall()`.
 */
export class CallManager extends SafeEmitter<CallManagerEvents> {
  readonly #ctx: CallManagerContext;
  /** Calls the user is in (or joining), by conversation id. */
  readonly #byConversation = new Map<string, Promise<Call>>();
  readonly #byId = new Map<string, Call>();
  #joining = 0;
  #buffer: { name: CallEventName; event: CallEventOf<CallEventName> }[] = [];

  /** @internal Created by {@link PlazaClient}. */
  constructor(ctx: CallManagerContext) {
    super('calls', () => ctx.logger());
    this.#ctx = ctx;
  }

  /** The live call of a conversation (participants and their tracks), or `null` when there is none. */
  get(conversationId: string): Promise<CallInfo | null> {
    assertId('conversationId', conversationId);
    return this.#ctx.request('call:get', { conversationId });
  }

  /** The calls the user is in now. */
  get active(): Call[] {
    return [...this.#byId.values()];
  }

  /**
   * @internal Joins (or starts) the call of a conversation. A second join of the same conversation
   * from this client while the first is in the call fails with `CONFLICT`.
   */
  _join(conversationId: string, options: JoinCallOptions = {}): Promise<Call> {
    assertId('conversationId', conversationId);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    if (options.autoSubscribe !== undefined && typeof options.autoSubscribe !== 'boolean') throw new TypeError('autoSubscribe must be a boolean');
    if (options.participantId !== undefined) assertId('participantId', options.participantId);
    if (!this.#ctx.hasSession()) throw new InvalidStateError('not connected yet: call plaza.connect() first');
    if (this.#byConversation.has(conversationId)) {
      return Promise.reject(new PlazaError(ErrorCode.CONFLICT, `this client is already in the call of ${conversationId}`));
    }
    const joining = this.#joinNow(conversationId, { autoSubscribe: options.autoSubscribe ?? true }, options.participantId);
    this.#byConversation.set(conversationId, joining);
    joining.catch(() => {
      if (this.#byConversation.get(conversationId) === joining) this.#byConversation.delete(conversationId);
    });
    return joining;
  }

  /** @internal Routes a `call:*` server event. */
  _onServerEvent<K extends keyof CallServerEvents>(name: K, event: CallEventOf<K>): void {
    if (name === 'call:started') return;
    if (name === 'call:ringing') {
      this.emit('ringing', new IncomingRing(event as CallEventOf<'call:ringing'>, { join: (id, o) => this._join(id, o), decline: (callId) => this.#decline(callId) }));
      return;
    }
    if (name === 'call:ringEnded') {
      this.emit('ringEnded', event as CallEventOf<'call:ringEnded'>);
      return;
    }
    const e = event as CallEventOf<CallEventName>;
    const call = this.#byId.get(e.callId);
    if (call) call._onServerEvent(name as CallEventName, e);
    else if (this.#joining > 0 && this.#buffer.length < MAX_BUFFERED_EVENTS) this.#buffer.push({ name: name as CallEventName, event: e });
  }

  /** @internal The client's connection state changed: calls recover or end with it. */
  _onConnectionState(state: ConnectionState): void {
    for (const call of [...this.#byId.values()]) {
      if (state === 'reconnecting') call._onConnectionLost();
      else if (state === 'connected') call._onConnectionBack();
      else if (state === 'disconnected') call._onConnectionClosed();
    }
  }

  /** @internal `disconnect()` was called: leave every call (the leave requests go out before the socket closes). */
  _leaveAll(): void {
    for (const call of [...this.#byId.values()]) call.leave().catch(() => undefined);
  }

  async #joinNow(conversationId: string, options: CallOptions, participantId: string | undefined): Promise<Call> {
    this.#joining += 1;
    let call: Call;
    let joined;
    try {
      joined = await this.#ctx.request('call:join', { conversationId, ...(participantId !== undefined ? { participantId } : {}) });
      call = new Call(joined, options, {
        request: this.#ctx.request,
        webrtc: this.#ctx.webrtc,
        isConnected: () => this.#ctx.isConnected(),
        ended: (c) => this.#forget(c),
        logger: () => this.#ctx.logger(),
      });
      this.#byId.set(call.id, call);
      const buffered = this.#buffer.filter((b) => b.event.callId === call.id);
      for (const b of buffered) call._onServerEvent(b.name, b.event);
    } finally {
      this.#joining -= 1;
      if (this.#joining === 0) this.#buffer = [];
    }
    try {
      await call._start(joined);
    } catch (error) {
      throw toPlazaError(error);
    }
    return call;
  }

  #forget(call: Call): void {
    if (this.#byId.get(call.id) === call) this.#byId.delete(call.id);
    // One entry per conversation at a time (a second join is refused), so it is this call's.
    this.#byConversation.delete(call.conversationId);
  }

  async #decline(callId: string): Promise<void> {
    await this.#ctx.request('call:decline', { callId });
  }
}
