import type { CallParticipant } from '@plaza/protocol';
import { Participant } from './Participant.js';
import type { RemoteTrack } from './RemoteTrack.js';

/** Another participant of the call (another user, or the same user on another device). */
export class RemoteParticipant extends Participant {
  /** When it joined (ISO 8601, UTC). */
  readonly joinedAt: string;
  /** @internal */
  readonly _tracks = new Map<string, RemoteTrack>();

  /** @internal Created by the call. */
  constructor(p: CallParticipant) {
    super(p.id, p.userId, p.name);
    this.joinedAt = p.joinedAt;
  }

  /** Always `false`. */
  get isLocal(): false {
    return false;
  }

  /** Its published tracks by track id. */
  get tracks(): ReadonlyMap<string, RemoteTrack> {
    return this._tracks;
  }
}
