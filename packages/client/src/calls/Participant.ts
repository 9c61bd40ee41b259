import type { ConnectionQuality } from '@plaza/protocol';

/** What local and remote participants share: identity, speaking and connection quality. */
export abstract class Participant {
  #id: string;
  /** The user. */
  readonly userId: string;
  /** Display name from the token. */
  readonly name: string;
  #audioLevel = 0;
  #speaking = false;
  #quality: ConnectionQuality = 'good';

  /** @internal */
  constructor(id: string, userId: string, name: string) {
    this.#id = id;
    this.userId = userId;
    this.name = name;
  }

  /** Participant id, `p_…`. */
  get id(): string {
    return this.#id;
  }

  /** Whether this is the user's own participant. */
  abstract get isLocal(): boolean;

  /** Audio level reported with the last active-speaker update (0 when not speaking). */
  get audioLevel(): number {
    return this.#audioLevel;
  }

  /** Whether the participant is among the active speakers now. */
  get isSpeaking(): boolean {
    return this.#speaking;
  }

  /** Quality of the participant's connection, from the SFU's scores. @defaultValue `'good'` until the server reports one */
  get connectionQuality(): ConnectionQuality {
    return this.#quality;
  }

  /** @internal */
  _setId(id: string): void {
    this.#id = id;
  }

  /** @internal `level` while speaking, `null` when not. */
  _setSpeaking(level: number | null): void {
    this.#speaking = level !== null;
    this.#audioLevel = level ?? 0;
  }

  /** @internal Returns whether it changed. */
  _setQuality(quality: ConnectionQuality): boolean {
    if (quality === this.#quality) return false;
    this.#quality = quality;
    return true;
  }
}
