import { ErrorCode } from '@plaza/protocol';
import type { CallJoined } from '@plaza/protocol';
import { PlazaError, toPlazaError } from '../errors.js';
import type { CallLeftReason } from '../events.js';
import type { Logger } from '../logger.js';

/** What recovery can do to its call (injected). */
export interface RecoveryHost {
  /** `call:join` with the current participant id. */
  rejoin(): Promise<CallJoined>;
  /** `call:leave`, then `call:join` as a new participant (new transports for certain). */
  joinAnew(): Promise<CallJoined>;
  /** Restarts ICE on both transports of the current session. */
  restartIce(): Promise<void>;
  /** The join resumed the participant (same transports): catch up with `joined`, restart ICE. */
  resume(joined: CallJoined): Promise<void>;
  /** Holds the call's server events until {@link RecoveryHost.release} (a join's answer is being applied). */
  hold(): void;
  /** Replays the held server events. */
  release(): void;
  /** Throws the media session away and builds everything again from `joined`. */
  rebuild(joined: CallJoined): Promise<void>;
  /** The media path is interrupted (state `reconnecting`). */
  interrupted(): void;
  /** The media path is back (state `connected`). */
  recovered(): void;
  /** Recovery is impossible: the call is over for the user. */
  fail(error: PlazaError): void;
  /** Whether the Plaza connection is up (requests can be sent). */
  isConnected(): boolean;
  /** Whether the call is over (nothing to recover). */
  isOver(): boolean;
  /** Where to log. */
  logger(): Logger;
}

/**
 * What to do, weakest first: restart ICE on the same transports; `call:join` again with the
 * participant id (the server says whether the transports survived); rebuild on a new participant.
 */
export type RecoveryStep = 'ice' | 'rejoin' | 'anew';

const strength: Record<RecoveryStep, number> = { ice: 0, rejoin: 1, anew: 2 };

/** Codes that end recovery at once: the user may no longer be in this call. */
export const FINAL_RECOVERY_CODES: readonly ErrorCode[] = [
  ErrorCode.NOT_A_MEMBER,
  ErrorCode.FORBIDDEN_ROLE,
  ErrorCode.PERMISSION_DENIED,
  ErrorCode.CONVERSATION_NOT_FOUND,
  ErrorCode.CALL_NOT_FOUND,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.TOKEN_REVOKED,
  ErrorCode.INVALID_REQUEST,
];

/**
 * Why the call is over for the user when recovery had to stop with `error`: the server no longer
 * knowing the call (`CALL_NOT_FOUND`, e.g. after a server restart, or it ended while the user was
 * away) means it ended; anything else is an error.
 */
export function leftReasonOfRecoveryFailure(error: PlazaError): CallLeftReason {
  return error.code === ErrorCode.CALL_NOT_FOUND ? 'ended' : 'error';
}

/** Delays between recovery attempts that failed while the Plaza connection was up, in ms. */
export const RECOVERY_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 8000];

/** The stronger of two steps. */
export function strongerStep(a: RecoveryStep | null, b: RecoveryStep): RecoveryStep {
  return a !== null && strength[a] >= strength[b] ? a : b;
}

/**
 * @internal Brings a call's media back without the app doing anything: one recovery at a time; a
 * trigger during a run asks for one more run with the stronger of the two steps.
 */
export class CallRecovery {
  readonly #host: RecoveryHost;
  #running = false;
  #next: RecoveryStep | null = null;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(host: RecoveryHost) {
    this.#host = host;
  }

  /** The Plaza connection dropped: wait for it (its return triggers `rejoin`). */
  connectionLost(): void {
    this.#host.interrupted();
  }

  /** Starts (or queues) a recovery step. */
  trigger(step: RecoveryStep): void {
    if (this.#host.isOver()) return;
    this.#next = strongerStep(this.#next, step);
    if (this.#retryTimer) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
    if (!this.#running) void this.#loop();
  }

  /** Stops pending retries (the call is over). */
  dispose(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#next = null;
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#next !== null && !this.#host.isOver()) {
        const step = this.#next;
        this.#next = null;
        // Without the Plaza connection nothing can be done; its return triggers a rejoin.
        if (!this.#host.isConnected()) {
          this.#host.interrupted();
          return;
        }
        await this.#run(step);
      }
    } finally {
      this.#running = false;
    }
  }

  async #run(step: RecoveryStep): Promise<void> {
    const host = this.#host;
    host.interrupted();
    host.logger().info('call recovery', { step });
    host.hold();
    let recovered = false;
    try {
      if (step === 'ice') {
        try {
          await host.restartIce();
        } catch (error) {
          if (!host.isConnected()) throw error;
          host.logger().info('ICE restart failed; rebuilding', { error });
          await host.rebuild(await host.joinAnew());
        }
      } else {
        const joined = step === 'anew' ? await host.joinAnew() : await host.rejoin();
        if (joined.resumed) {
          try {
            await host.resume(joined);
          } catch (error) {
            if (!host.isConnected()) throw error;
            host.logger().info('ICE restart after a resumed join failed; rebuilding', { error });
            await host.rebuild(await host.joinAnew());
          }
        } else {
          await host.rebuild(joined);
        }
      }
      recovered = true;
    } catch (raw) {
      const error = toPlazaError(raw);
      if (host.isOver()) return;
      if (FINAL_RECOVERY_CODES.includes(error.code)) {
        host.fail(error);
        return;
      }
      if (!host.isConnected()) return; // the connection's return triggers a rejoin
      const delay = RECOVERY_RETRY_DELAYS_MS[this.#failures];
      this.#failures += 1;
      if (delay === undefined) {
        host.fail(new PlazaError(error.code, `the call could not be recovered: ${error.message}`, { cause: error }));
        return;
      }
      host.logger().info('call recovery failed; retrying', { code: error.code, delay });
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        this.trigger(strongerStep(step, 'rejoin'));
      }, delay);
    } finally {
      host.release();
    }
    if (!recovered) return;
    this.#failures = 0;
    if (!host.isOver() && this.#next === null) host.recovered();
  }
}
