import type { Message } from '@plaza/protocol';

/** What applying messages to a {@link Timeline} produced, in the order to emit. */
export interface TimelineOutput {
  /** New messages, ascending by `seq`, each exactly once. */
  messages: Message[];
  /** Changes to messages delivered before (edits, deletions, reactions). */
  updated: Message[];
  /** Whether messages are held back behind a missing `seq` (a sync should fill the gap). */
  gap: boolean;
}

/** How many message revisions a timeline remembers to drop repeated updates. */
const REV_MEMORY = 2000;
/** How many out-of-order revisions it remembers before giving up on advancing `syncedRev` early. */
const PENDING_REV_MEMORY = 10_000;

/**
 * The per-conversation ordering state: which `seq` was delivered last, which messages wait behind a
 * gap, and up to which revision everything is known (`syncedRev`, where the next sync starts).
 *
 * Invariants: `message` output is gapless and ascending by `seq`, each `seq` once; every change with
 * `rev <= syncedRev` has been applied or is held in the buffer. Pure state, no I/O.
 */
export class Timeline {
  #lastSeq: number;
  #syncedRev: number;
  readonly #buffer = new Map<number, Message>();
  readonly #revs = new Map<string, number>();
  /** Ids of recently delivered messages by `seq`, to notice a server whose history changed. */
  readonly #ids = new Map<number, string>();
  readonly #pendingRevs = new Set<number>();

  /**
   * @param lastSeq - the conversation's last `seq` when the client learned of it (no backfill)
   * @param lastRev - its last `rev` at the same moment
   */
  constructor(lastSeq: number, lastRev: number) {
    this.#lastSeq = lastSeq;
    this.#syncedRev = lastRev;
  }

  /** Highest `seq` delivered. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Every change up to this revision is known; the next sync asks for changes after it. */
  get syncedRev(): number {
    return this.#syncedRev;
  }

  /** Whether messages are held back behind a gap. */
  get hasGap(): boolean {
    return this.#buffer.size > 0;
  }

  /** Whether the server's `lastRev` shows changes this timeline has not seen. */
  needsSync(serverLastRev: number): boolean {
    return serverLastRev > this.#syncedRev || this.hasGap;
  }

  /**
   * The first message that contradicts what was delivered: a `seq` already delivered with another
   * id. Seqs are never reused, so this means the server's history was replaced (a restored backup).
   */
  conflict(messages: readonly Message[]): Message | null {
    for (const m of messages) {
      const id = m.seq <= this.#lastSeq ? this.#ids.get(m.seq) : undefined;
      if (id !== undefined && id !== m.id) return m;
    }
    return null;
  }

  /** The id of the delivered message with this `seq`, if still remembered. */
  idAt(seq: number): string | undefined {
    return this.#ids.get(seq);
  }

  /** Forgets everything and starts over after `lastSeq`, with every change up to `syncedRev` known. */
  reset(lastSeq: number, syncedRev: number): void {
    this.#lastSeq = lastSeq;
    this.#syncedRev = syncedRev;
    this.#buffer.clear();
    this.#revs.clear();
    this.#ids.clear();
    this.#pendingRevs.clear();
  }

  /** Applies messages in any order and any mix of new, repeated and changed ones. */
  apply(messages: readonly Message[]): TimelineOutput {
    const updated: Message[] = [];
    for (const m of messages) {
      if (m.seq > this.#lastSeq) {
        const held = this.#buffer.get(m.seq);
        if (!held || held.rev < m.rev) this.#buffer.set(m.seq, m);
      } else {
        const known = this.#revs.get(m.id);
        const seen = known !== undefined ? m.rev <= known : m.rev <= this.#syncedRev;
        if (!seen) {
          this.#remember(m);
          updated.push(m);
        }
      }
      this.#noteRev(m.rev);
    }
    const out: Message[] = [];
    for (let next = this.#buffer.get(this.#lastSeq + 1); next; next = this.#buffer.get(this.#lastSeq + 1)) {
      this.#buffer.delete(next.seq);
      this.#lastSeq = next.seq;
      this.#remember(next);
      this.#ids.set(next.seq, next.id);
      if (this.#ids.size > REV_MEMORY) {
        const oldest = this.#ids.keys().next();
        if (!oldest.done) this.#ids.delete(oldest.value);
      }
      out.push(next);
    }
    this.#dropStale();
    return { messages: out, updated, gap: this.hasGap };
  }

  /**
   * Records that a sync returned every change up to `rev` (the last message of a page, or the
   * conversation's `lastRev` with the final page).
   */
  markSynced(rev: number): void {
    if (rev <= this.#syncedRev) return;
    this.#syncedRev = rev;
    for (const r of this.#pendingRevs) if (r <= rev) this.#pendingRevs.delete(r);
    this.#advance();
  }

  /** Moves `syncedRev` over revisions seen one after another, so the next sync asks for less. */
  #noteRev(rev: number): void {
    if (rev <= this.#syncedRev) return;
    if (rev === this.#syncedRev + 1) {
      this.#syncedRev = rev;
      this.#advance();
    } else if (this.#pendingRevs.size < PENDING_REV_MEMORY) {
      this.#pendingRevs.add(rev);
    }
  }

  #advance(): void {
    while (this.#pendingRevs.delete(this.#syncedRev + 1)) this.#syncedRev += 1;
  }

  #remember(m: Message): void {
    this.#revs.delete(m.id);
    this.#revs.set(m.id, m.rev);
    if (this.#revs.size > REV_MEMORY) {
      const oldest = this.#revs.keys().next();
      if (!oldest.done) this.#revs.delete(oldest.value);
    }
  }

  #dropStale(): void {
    for (const seq of this.#buffer.keys()) if (seq <= this.#lastSeq) this.#buffer.delete(seq);
  }
}
