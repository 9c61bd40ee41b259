import type { Message, RequestName, RequestOf, ResponseOf } from '@plaza/protocol';
import type { Logger } from '../logger.js';
import { Timeline } from './Timeline.js';
import type { TimelineOutput } from './Timeline.js';

/** What a {@link TimelineSync} needs (injected). */
export interface TimelineSyncDeps {
  /** The conversation. */
  conversationId: string;
  /** Sends a request. */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>>;
  /** Emits what the timeline released. */
  deliver(out: TimelineOutput): void;
  /** The timeline was reset because the server's history no longer matches it. @defaultValue nothing */
  onReset?(): void;
  /** Whether the conversation still exists for the user. */
  isActive(): boolean;
  /** Where to log. */
  logger(): Logger;
  /** Wait before filling a gap, so messages that are merely late can arrive first, in ms. @defaultValue 25 */
  gapDelayMs?: number;
}

/** Most sync or history pages fetched in one go. */
const MAX_PAGES = 1000;
/** Page size of sync and history requests. */
const PAGE_SIZE = 200;

/**
 * A conversation's {@link Timeline} plus the requests that keep it complete: `message:sync` after a
 * reconnect or when a gap opens, and `message:history` as a last resort for a gap a sync left.
 */
export class TimelineSync {
  /** The ordering state. */
  readonly timeline: Timeline;
  readonly #deps: TimelineSyncDeps;
  #serverLastRev: number;
  #running: Promise<void> | null = null;
  #again = false;
  #gapTimer: ReturnType<typeof setTimeout> | null = null;
  /** A server state behind the timeline, to check before the next sync. */
  #behind: { seq: number; rev: number } | null = null;

  /**
   * @param lastSeq - the conversation's `lastSeq` when the client learned of it
   * @param lastRev - its `lastRev` at that moment
   * @param deps - see {@link TimelineSyncDeps}
   */
  constructor(lastSeq: number, lastRev: number, deps: TimelineSyncDeps) {
    this.timeline = new Timeline(lastSeq, lastRev);
    this.#serverLastRev = lastRev;
    this.#deps = deps;
  }

  /** Records the server's `lastRev` as seen in a list, get or update. */
  noteServerRev(rev: number): void {
    this.#serverLastRev = Math.max(this.#serverLastRev, rev);
  }

  /** Whether the server has changes the client has not seen, or a gap is open. */
  needsSync(): boolean {
    return this.#behind !== null || this.timeline.needsSync(this.#serverLastRev);
  }

  /** Applies live messages (broadcasts, acks); a gap schedules a sync. */
  apply(messages: readonly Message[]): void {
    const conflict = this.timeline.conflict(messages);
    if (conflict) {
      // Start over just before the contradicting message; the sync fetches it and what follows.
      this.#reset(conflict.seq - 1, conflict.rev - 1, `seq ${conflict.seq} arrived with another id`);
      this.#scheduleGapSync(true);
    }
    for (const m of messages) this.noteServerRev(m.rev);
    const out = this.timeline.apply(messages);
    this.#deps.deliver(out);
    if (out.gap) this.#scheduleGapSync();
  }

  /**
   * Fetches every change since `timeline.syncedRev` and applies it. Concurrent calls share one run,
   * plus one more if asked during it.
   */
  sync(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = async () => {
      try {
        do {
          this.#again = false;
          await this.#syncOnce();
        } while (this.#again && this.#deps.isActive());
      } finally {
        this.#running = null;
      }
    };
    this.#running = run();
    return this.#running;
  }

  /**
   * Records the conversation state the server reported (list, get). A server behind the timeline
   * (`lastSeq` or `lastRev` lower) was either restored from a backup or sent a state older than a
   * live message; the next sync first tells which. Returns whether a sync should run.
   */
  noteServerState(serverLastSeq: number, serverLastRev: number): boolean {
    this.noteServerRev(serverLastRev);
    if (this.timeline.lastSeq === 0 || (serverLastSeq >= this.timeline.lastSeq && serverLastRev >= this.timeline.syncedRev)) return false;
    this.#behind = { seq: serverLastSeq, rev: serverLastRev };
    return true;
  }

  /**
   * Looks up the last delivered message on the server; when it is gone or different, the server's
   * history was replaced and the timeline restarts from the server's state.
   */
  async #checkServerState(serverLastSeq: number, serverLastRev: number): Promise<void> {
    const { conversationId, request, logger } = this.#deps;
    const ours = this.timeline.lastSeq;
    if (ours === 0) return;
    const page = await request('message:history', { conversationId, afterSeq: ours - 1, limit: 1 });
    const there = page.messages.find((m) => m.seq === ours);
    const id = this.timeline.idAt(ours);
    if (there && (id === undefined || id === there.id)) return; // merely an older snapshot
    if (this.timeline.lastSeq !== ours) return; // moved on meanwhile: live messages decide
    logger().warn('the server forgot messages this client delivered (restored from a backup?); resetting the timeline', {
      conversationId,
      clientLastSeq: ours,
      serverLastSeq,
    });
    this.#reset(Math.min(serverLastSeq, ours - 1), Math.min(serverLastRev, this.timeline.syncedRev), 'server behind the client');
  }

  #reset(lastSeq: number, syncedRev: number, why: string): void {
    this.#deps.logger().info('timeline reset', { conversationId: this.#deps.conversationId, why, lastSeq });
    this.timeline.reset(Math.max(0, lastSeq), Math.max(0, syncedRev));
    this.#serverLastRev = Math.max(0, syncedRev);
    this.#deps.onReset?.();
  }

  /** Stops the gap timer. */
  dispose(): void {
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    this.#gapTimer = null;
  }

  async #syncOnce(): Promise<void> {
    const { conversationId, request, deliver, isActive } = this.#deps;
    const behind = this.#behind;
    this.#behind = null;
    if (behind) await this.#checkServerState(behind.seq, behind.rev);
    let afterRev = this.timeline.syncedRev;
    for (let page = 0; page < MAX_PAGES && isActive(); page++) {
      const result = await request('message:sync', { conversationId, afterRev, limit: PAGE_SIZE });
      this.noteServerRev(result.lastRev);
      deliver(this.timeline.apply(result.messages));
      const last = result.messages.at(-1);
      // Pages are ascending by rev and complete up to their last message.
      if (last) this.timeline.markSynced(last.rev);
      if (!result.hasMore || !last) {
        this.timeline.markSynced(result.lastRev);
        break;
      }
      afterRev = last.rev;
    }
    if (this.timeline.hasGap && isActive()) await this.#fillGapFromHistory();
  }

  /** Last resort when a sync left a gap: read the missing messages by `seq`. */
  async #fillGapFromHistory(): Promise<void> {
    const { conversationId, request, deliver, isActive, logger } = this.#deps;
    logger().warn('a gap remained after sync; reading history', { conversationId, lastSeq: this.timeline.lastSeq });
    for (let page = 0; page < MAX_PAGES && this.timeline.hasGap && isActive(); page++) {
      const before = this.timeline.lastSeq;
      const result = await request('message:history', { conversationId, afterSeq: before, limit: PAGE_SIZE });
      deliver(this.timeline.apply(result.messages));
      if (!result.hasMore || this.timeline.lastSeq === before) break;
    }
  }

  #scheduleGapSync(always = false): void {
    if (this.#gapTimer) return;
    this.#gapTimer = setTimeout(() => {
      this.#gapTimer = null;
      if ((!always && !this.timeline.hasGap) || !this.#deps.isActive()) return;
      this.sync().catch((error: unknown) => {
        this.#deps.logger().info('gap sync failed; it runs again after reconnect', { conversationId: this.#deps.conversationId, error });
      });
    }, this.#deps.gapDelayMs ?? 25);
  }
}
