import type { TrackSource } from '@plaza/protocol';
import type { LocalTrack } from './LocalTrack.js';
import { Participant } from './Participant.js';

/** The user's own participant in a call. */
export class LocalParticipant extends Participant {
  /** @internal */
  readonly _tracks = new Map<TrackSource, LocalTrack>();

  /** Always `true`. */
  get isLocal(): true {
    return true;
  }

  /** The tracks the user publishes, by source. */
  get tracks(): ReadonlyMap<TrackSource, LocalTrack> {
    return this._tracks;
  }
}
