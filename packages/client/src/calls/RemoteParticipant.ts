import type { CallParticipant, TrackSource } from '@plaza/protocol';
import { Participant } from './Participant.js';
import type { RemoteTrack } from './RemoteTrack.js';

/** Another participant of the call (another user, or the same user on another device). */
export class RemoteParticipant extends Participant {
  /** When it joined (ISO 8601, UTC). */
  readonly joinedAt: string;
  /** @internal By source: the server lets a participant publish one track per source. */
  readonly _tracks = new Map<TrackSource, RemoteTrack>();

  /** @internal Created by the call. */
  constructor(p: CallParticipant) {
    super(p.id, p.userId, p.name);
    this.joinedAt = p.joinedAt;
  }

  /** Always `false`. */
  get isLocal(): false {
    return false;
  }

  /**
   * Its published tracks by source (`microphone`, `camera`, `screen`, `screen-audio`), like
   * `localParticipant.tracks`: a participant publishes at most one track per source.
   */
  get tracks(): ReadonlyMap<TrackSource, RemoteTrack> {
    return this._tracks;
  }

  /** @internal Its track with the server id `trackId`, if any. */
  _trackById(trackId: string): RemoteTrack | undefined {
    for (const t of this._tracks.values()) if (t.id === trackId) return t;
    return undefined;
  }
}
