import type { Presence } from '@plaza/protocol';
import type { PresenceStore } from './PresenceStore.js';

/** Options of {@link PresenceAnnouncer}. */
export interface PresenceAnnouncerOptions {
  /** Where presence lives. */
  presence: PresenceStore;
  /**
   * How long after a user's last device disconnected `offline` is announced, if no device came
   * back meanwhile. `0` announces it in the next coalescing window.
   */
  offlineGraceMs: number;
  /** Changes within this window are announced together, at most one per user. */
  coalesceMs: number;
  /** Sends the changed presences to their audiences. */
  broadcast: (presences: readonly Presence[]) => Promise<void> | void;
  /** Called with anything a store read or a broadcast threw (never rethrown). */
  onError: (error: unknown) => void;
}

/** What others see of a presence: the status and its text. */
function visibleKey(presence: Presence): string {
  return `${presence.status}\u0000${presence.statusText ?? ''}`;
}

const OFFLINE_KEY = 'offline\u0000';

/**
 * Decides when a presence change is announced, so that a burst of connects and disconnects (a
 * network blip, a server restart) does not become a storm of broadcasts:
 *
 * - When a user's last device disconnects, `offline` is announced only after `offlineGraceMs`,
 *   and only if no device came back meanwhile (a quick reconnect announces nothing).
 * - Changes are collected for `coalesceMs` and announced together, at most one per user, as the
 *   user's presence at that moment.
 * - A presence is announced only when what others see (status, status text) differs from what was
 *   last announced for that user, so `online → offline → online` inside one window is silent.
 *
 * One per server; state lives in process memory (each node announces the changes of its own
 * connections).
 */
export class PresenceAnnouncer {
  readonly #options: PresenceAnnouncerOptions;
  /** Users whose presence may have changed since the last flush. */
  #dirty = new Set<string>();
  #flushTimer: NodeJS.Timeout | null = null;
  /** Users whose last device left, waiting out the grace period. */
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();
  /** What was last announced per user; users not in it were last announced (or assumed) offline. */
  readonly #announced = new Map<string, string>();
  #closed = false;

  /** @param options - see {@link PresenceAnnouncerOptions} */
  constructor(options: PresenceAnnouncerOptions) {
    this.#options = options;
  }

  /** Users waiting out the offline grace period now (for metrics and tests). */
  get graceCount(): number {
    return this.#graceTimers.size;
  }

  /** A device of `userId` connected: records it and announces the user if they came online. */
  async connected(userId: string, deviceId: string): Promise<void> {
    const change = await this.#options.presence.connect(userId, deviceId);
    if (!change.changed) return;
    const grace = this.#graceTimers.get(userId);
    if (grace) {
      // Back within the grace period: others never saw the user go offline.
      clearTimeout(grace);
      this.#graceTimers.delete(userId);
    }
    this.#markDirty(userId);
  }

  /** A device of `userId` disconnected: when it was the last one, starts the offline grace period. */
  async disconnected(userId: string, deviceId: string): Promise<void> {
    const change = await this.#options.presence.disconnect(userId, deviceId);
    if (!change.changed || this.#closed) return;
    if (this.#options.offlineGraceMs <= 0) {
      this.#markDirty(userId);
      return;
    }
    const existing = this.#graceTimers.get(userId);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.#graceTimers.delete(userId);
      this.#markDirty(userId);
    }, this.#options.offlineGraceMs);
    timer.unref();
    this.#graceTimers.set(userId, timer);
  }

  /** The user chose a status (or text): announces it in the next window. */
  statusChosen(userId: string): void {
    this.#markDirty(userId);
  }

  /** Announces every pending change now (grace periods keep running). */
  async flush(): Promise<void> {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    if (this.#closed || this.#dirty.size === 0) return;
    const userIds = [...this.#dirty];
    this.#dirty = new Set();
    try {
      const current = await this.#options.presence.get(userIds);
      const changed = current.filter((p) => visibleKey(p) !== (this.#announced.get(p.userId) ?? OFFLINE_KEY));
      if (changed.length === 0 || this.#closed) return;
      await this.#options.broadcast(changed);
      for (const presence of changed) {
        if (presence.status === 'offline') this.#announced.delete(presence.userId);
        else this.#announced.set(presence.userId, visibleKey(presence));
      }
    } catch (error) {
      this.#options.onError(error);
    }
  }

  /** Stops every timer; nothing is announced afterwards (shutdown). Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    for (const timer of this.#graceTimers.values()) clearTimeout(timer);
    this.#graceTimers.clear();
    this.#dirty.clear();
  }

  #markDirty(userId: string): void {
    if (this.#closed) return;
    this.#dirty.add(userId);
    if (this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => void this.flush(), Math.max(0, this.#options.coalesceMs));
    this.#flushTimer.unref();
  }
}
