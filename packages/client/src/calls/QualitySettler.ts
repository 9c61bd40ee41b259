import type { ConnectionQuality } from '@plaza/protocol';
import type { Participant } from './Participant.js';

/**
 * How long a participant's connection quality must be left alone before a change is announced, in
 * ms. After a network blip the SFU's scores swing for a moment (lost, excellent, lost within a few
 * ms); a UI indicator should show where they settle, not every swing.
 */
export const QUALITY_SETTLE_MS = 1000;

/** What the settler needs from its call (injected). */
export interface QualitySettlerContext {
  /** Emits `connectionQualityChanged`. */
  emit(quality: ConnectionQuality, participant: Participant): void;
  /** Whether the participant is still in the call (a settled change of one gone is dropped). */
  present(participant: Participant): boolean;
  /** The settle window. @defaultValue {@link QUALITY_SETTLE_MS} */
  settleMs?: number;
}

/**
 * @internal Coalesces the server's `call:quality` reports per participant: the first report that
 * differs from the announced quality opens a window of `settleMs`; at its end the last reported
 * quality is recorded and announced once, if it still differs. At most one event per participant
 * per window, none for a swing that came back where it started.
 */
export class QualitySettler {
  readonly #ctx: QualitySettlerContext;
  readonly #pending = new Map<Participant, { quality: ConnectionQuality; timer: ReturnType<typeof setTimeout> }>();

  constructor(ctx: QualitySettlerContext) {
    this.#ctx = ctx;
  }

  /** The server reported `quality` for `participant`. */
  report(participant: Participant, quality: ConnectionQuality): void {
    const pending = this.#pending.get(participant);
    if (pending) {
      pending.quality = quality; // the window is open: the last report wins
      return;
    }
    if (quality === participant.connectionQuality) return;
    const entry = {
      quality,
      timer: setTimeout(() => {
        this.#pending.delete(participant);
        if (!this.#ctx.present(participant)) return;
        if (participant._setQuality(entry.quality)) this.#ctx.emit(entry.quality, participant);
      }, this.#ctx.settleMs ?? QUALITY_SETTLE_MS),
    };
    this.#pending.set(participant, entry);
  }

  /** Drops every pending change (the call is over). */
  dispose(): void {
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }
}
