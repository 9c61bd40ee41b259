import type { CallServerEvents } from '@plaza/protocol';
import type { Call, JoinCallOptions } from './Call.js';

/** What a ring needs from the call manager (injected). */
export interface IncomingRingContext {
  /** Joins the call of a conversation. */
  join(conversationId: string, options: JoinCallOptions | undefined): Promise<Call>;
  /** `call:decline`. */
  decline(callId: string): Promise<void>;
}

/** A call someone rings the user into (`plaza.calls.on('ringing', …)`). */
export class IncomingRing {
  /** The call. */
  readonly callId: string;
  /** Its conversation. */
  readonly conversationId: string;
  /** Who rings. */
  readonly callerId: string;
  /** The caller's display name. */
  readonly callerName: string;
  /** When the ring times out (ISO 8601, UTC). */
  readonly expiresAt: string;
  readonly #ctx: IncomingRingContext;

  /** @internal Created by the call manager. */
  constructor(event: Parameters<CallServerEvents['call:ringing']>[0], ctx: IncomingRingContext) {
    this.callId = event.callId;
    this.conversationId = event.conversationId;
    this.callerId = event.callerId;
    this.callerName = event.callerName;
    this.expiresAt = event.expiresAt;
    this.#ctx = ctx;
  }

  /** Answers: joins the call (the ring ends as `answered` on every device) and returns it. */
  accept(options?: JoinCallOptions): Promise<Call> {
    return this.#ctx.join(this.conversationId, options);
  }

  /** Declines on every device of the user. */
  decline(): Promise<void> {
    return this.#ctx.decline(this.callId);
  }
}
