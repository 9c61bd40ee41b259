import type { CallServerEvents, ConnectionQuality } from '@plaza/protocol';
import type { CallEvents, CallLeftReason } from '../events.js';
import type { CallData } from './CallData.js';
import type { LocalParticipant } from './LocalParticipant.js';
import type { LocalPublisher } from './LocalPublisher.js';
import type { Participant } from './Participant.js';
import type { RemoteRoster } from './RemoteRoster.js';

type ServerEvent<K extends keyof CallServerEvents> = Parameters<CallServerEvents[K]>[0];

/** @internal The parts of a call that server events change. */
export interface CallEventTarget {
  /** The user's participant. */
  local: LocalParticipant;
  /** The others. */
  roster: RemoteRoster;
  /** The user's tracks. */
  publisher: LocalPublisher;
  /** Data channels. */
  data: CallData;
  /** Joins again with the participant id (recovery). */
  rejoin(): void;
  /** The call is over for the user. */
  end(reason: CallLeftReason): void;
  /** Emits a call event. */
  emit<E extends keyof CallEvents>(event: E, ...args: CallEvents[E]): void;
  /** The active speakers now. */
  speakers(): Participant[];
  /** Records the active speakers. */
  setSpeakers(speakers: Participant[]): void;
  /** A participant's connection quality was reported (announced once it settles). */
  reportQuality(participant: Participant, quality: ConnectionQuality): void;
}

/** @internal Applies one `call:*` server event of a call. */
export function routeCallEvent<K extends keyof CallServerEvents>(t: CallEventTarget, name: K, event: ServerEvent<K>): void {
  switch (name) {
    case 'call:participantJoined':
      return t.roster.addParticipant((event as ServerEvent<'call:participantJoined'>).participant);
    case 'call:participantLeft': {
      const e = event as ServerEvent<'call:participantLeft'>;
      if (e.participantId !== t.local.id) return t.roster.removeParticipant(e.participantId, e.reason);
      // Dropped after the grace period of a lost connection: not the user's choice, join again.
      if (e.reason === 'disconnected') return t.rejoin();
      return t.end(e.reason === 'removed' ? 'removed' : 'left');
    }
    case 'call:trackPublished': {
      const e = event as ServerEvent<'call:trackPublished'>;
      return t.roster.addTrack(e.participantId, e.track);
    }
    case 'call:trackUnpublished': {
      const e = event as ServerEvent<'call:trackUnpublished'>;
      return t.roster.removeTrack(e.participantId, e.trackId);
    }
    case 'call:trackUpdated': {
      const e = event as ServerEvent<'call:trackUpdated'>;
      if (e.participantId === t.local.id) return t.publisher.onTrackUpdated(e.track);
      return t.roster.onTrackUpdated(e.participantId, e.track);
    }
    case 'call:consumerClosed':
      return t.roster.onConsumerClosed((event as ServerEvent<'call:consumerClosed'>).consumerId);
    case 'call:dataPublished': {
      const e = event as ServerEvent<'call:dataPublished'>;
      if (e.participantId !== t.local.id) void t.data.consume(e.dataProducerId, e.participantId);
      return;
    }
    case 'call:activeSpeakers':
      return onActiveSpeakers(t, event as ServerEvent<'call:activeSpeakers'>);
    case 'call:quality': {
      const e = event as ServerEvent<'call:quality'>;
      const p = participant(t, e.participantId);
      if (p) t.reportQuality(p, e.quality);
      return;
    }
    case 'call:rebuild':
      return t.rejoin();
    case 'call:ended':
      return t.end('ended');
    default:
      return;
  }
}

function participant(t: CallEventTarget, id: string): Participant | undefined {
  return id === t.local.id ? t.local : t.roster.participants.get(id);
}

function onActiveSpeakers(t: CallEventTarget, e: ServerEvent<'call:activeSpeakers'>): void {
  for (const p of t.speakers()) p._setSpeaking(null);
  const speakers: Participant[] = [];
  for (const s of e.speakers) {
    const p = participant(t, s.participantId);
    if (!p) continue;
    p._setSpeaking(s.level);
    speakers.push(p);
  }
  t.setSpeakers(speakers);
  t.emit('activeSpeakersChanged', [...speakers]);
}
