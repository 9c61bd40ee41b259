import type { CallServerEvents, ConnectionQuality, ConversationRemovedReason, Member, Message, ParticipantLeftReason, Presence } from '@plaza/protocol';
import type { Call } from './calls/Call.js';
import type { IncomingRing } from './calls/IncomingRing.js';
import type { LocalTrack } from './calls/LocalTrack.js';
import type { Participant } from './calls/Participant.js';
import type { RemoteParticipant } from './calls/RemoteParticipant.js';
import type { RemoteTrack } from './calls/RemoteTrack.js';
import type { Conversation } from './Conversation.js';
import type { UploadHandle } from './files/UploadHandle.js';
import type { PlazaError } from './errors.js';

/** Connection states of a {@link PlazaClient}. */
export const ConnectionState = {
  disconnected: 'disconnected',
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
} as const;
/** One of the {@link ConnectionState} values. */
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Where a queued message is in the outbox. */
export type PendingMessageState = 'queued' | 'sending' | 'retrying';

/** A message in the outbox: sent by the app but not yet acknowledged by the server. */
export interface PendingMessage {
  /** Idempotency key; the same on every retry, so the server stores the message once. */
  readonly clientId: string;
  /** Conversation it goes to. */
  readonly conversationId: string;
  /** Text. */
  readonly text: string;
  /** Id of the message it replies to, or `null`. */
  readonly replyTo: string | null;
  /** Mentioned user ids. */
  readonly mentions: readonly string[];
  /** Ids of the attached files (`f_…`), already uploaded. */
  readonly attachments: readonly string[];
  /** When `send()` was called (ms since the epoch). */
  readonly queuedAt: number;
  /** How many times it was sent without an answer that settled it. */
  readonly attempts: number;
  /** Where it is in the outbox. */
  readonly state: PendingMessageState;
  /** The last retryable error, if any. */
  readonly lastError: PlazaError | null;
}

/** Events of a {@link PlazaClient}. */
export type PlazaClientEvents = {
  /** The connection state changed. */
  connectionStateChanged: [state: ConnectionState];
  /**
   * A connection attempt failed. `willRetry` is `false` when the client stopped trying (a refused
   * token that the token provider did not replace, a protocol mismatch, a forbidden origin, or the
   * reconnect policy gave up); the state is then `'disconnected'`.
   */
  connectionError: [error: PlazaError, willRetry: boolean];
  /** A queued message failed for good (non-retryable error, or older than `outboxMaxAgeMs`). */
  sendFailed: [message: PendingMessage, error: PlazaError];
};

/** Events of the conversation manager (`plaza.conversations`). */
export type ConversationManagerEvents = {
  /** The client learned of a conversation (created, opened, added by someone, or found on reconnect). */
  added: [conversation: Conversation];
  /** The user left or was removed from a conversation. */
  removed: [conversationId: string, reason: ConversationRemovedReason];
};

/** Events of a {@link Conversation}. */
export type ConversationEvents = {
  /** A new message: exactly once per `seq`, in ascending `seq` order, without gaps (own messages too). */
  message: [message: Message];
  /** A message the client already delivered was edited, deleted (tombstone) or reacted to. */
  messageUpdated: [message: Message];
  /** A member started or stopped typing (never the user themselves). */
  typing: [userId: string, typing: boolean];
  /** A member's read position moved. */
  read: [userId: string, lastReadSeq: number];
  /** A member joined. */
  memberAdded: [member: Member];
  /** A member left or was removed. */
  memberRemoved: [member: Member];
  /** A member's role changed. */
  memberUpdated: [member: Member];
  /** Title, topic, member count, role or unread count changed. */
  updated: [conversation: Conversation];
  /** The user left or was removed; the object receives nothing more. */
  removed: [reason: ConversationRemovedReason];
  /** A message queued for this conversation failed for good. */
  sendFailed: [message: PendingMessage, error: PlazaError];
  /**
   * The server's history no longer matches the messages already delivered — for example the server
   * was restored from a backup and reuses `seq` numbers. The client has restarted the timeline from
   * the server's state: discard the messages you show for this conversation and reload them with
   * `history()`. `message` events continue after the new `lastSeq`.
   */
  reset: [];
};

/** Events of the presence manager (`plaza.presence`). */
export type PresenceManagerEvents = {
  /** The presence of a user who shares a conversation with you changed. */
  changed: [presence: Presence];
};

/** Events of the outbox (`plaza.outbox`). */
export type OutboxEvents = {
  /** Something was queued, sent, retried or failed: re-read `pending`. */
  changed: [pending: readonly PendingMessage[]];
  /** A queued message was acknowledged by the server. */
  sent: [message: Message, pending: PendingMessage];
  /** A queued message failed for good. */
  failed: [pending: PendingMessage, error: PlazaError];
};

/** Where an upload is: see {@link UploadHandle.state}. */
export type UploadState = 'preparing' | 'uploading' | 'paused' | 'finishing' | 'done' | 'failed' | 'cancelled';

/** How far an upload got. */
export interface UploadProgress {
  /** Bytes sent so far (the server may not have stored the last few yet). */
  readonly bytesSent: number;
  /** The file's size; `null` only for a stream uploaded without the `size` option. */
  readonly bytesTotal: number | null;
}

/** Events of an {@link UploadHandle}. */
export type UploadHandleEvents = {
  /** More bytes were sent (at most about ten times a second). */
  progress: [progress: UploadProgress];
  /** The upload moved to another {@link UploadState}. */
  stateChanged: [state: UploadState];
};

/** Why the user is out of a call: they left, a moderator removed them, the call ended, or it could not be recovered. */
export type CallLeftReason = 'left' | 'removed' | 'ended' | 'error';

/** What `call:ringEnded` carries: which ring stopped and why. */
export type RingEndedEvent = Parameters<CallServerEvents['call:ringEnded']>[0];

/** Events of a {@link Call}. */
export type CallEvents = {
  /** Someone joined the call. */
  participantJoined: [participant: RemoteParticipant];
  /** Someone left the call (their tracks were unpublished first). */
  participantLeft: [participant: RemoteParticipant, reason: ParticipantLeftReason];
  /** Another participant published a track. */
  trackPublished: [track: RemoteTrack, participant: RemoteParticipant];
  /** Another participant stopped publishing a track (after `trackUnsubscribed` if it was subscribed). */
  trackUnpublished: [track: RemoteTrack, participant: RemoteParticipant];
  /**
   * A track is received: `track.mediaStreamTrack` is set. When a reconnect has to rebuild the
   * media path, the track is unsubscribed (`trackUnsubscribed`) and subscribed again with a new
   * `mediaStreamTrack`; elements it is attached to are updated by the SDK.
   */
  trackSubscribed: [track: RemoteTrack, participant: RemoteParticipant];
  /** A track is no longer received. */
  trackUnsubscribed: [track: RemoteTrack, participant: RemoteParticipant];
  /** A track was muted: by its publisher, by a moderator, or (for a local track) by the user. */
  trackMuted: [track: RemoteTrack | LocalTrack, participant: Participant];
  /** A track was unmuted. */
  trackUnmuted: [track: RemoteTrack | LocalTrack, participant: Participant];
  /** The loudest participants now, loudest first; empty when everyone is silent. */
  activeSpeakersChanged: [speakers: Participant[]];
  /** A participant's connection quality changed (the user's own too). */
  connectionQualityChanged: [quality: ConnectionQuality, participant: Participant];
  /** Another participant sent data with `sendData()`. */
  data: [data: string | ArrayBuffer, participant: RemoteParticipant];
  /** The media path is being recovered (lost connection, network change, SFU restart). */
  reconnecting: [];
  /** The media path is back; tracks are published and received again. */
  reconnected: [];
  /** The user is out of the call; the object receives nothing more. */
  left: [reason: CallLeftReason];
};

/** Events of the call manager (`plaza.calls`). */
export type CallManagerEvents = {
  /** Someone rings the user (on every device of the user). */
  ringing: [ring: IncomingRing];
  /** A ring stopped: answered (maybe on another device), declined, timed out or cancelled. */
  ringEnded: [event: RingEndedEvent];
};
