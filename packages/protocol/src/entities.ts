/** Kinds of conversation. `direct` has exactly two members; `channel` lets only moderators post. */
export const ConversationKind = { direct: 'direct', group: 'group', channel: 'channel', request: 'request' } as const;
/** One of the {@link ConversationKind} values. */
export type ConversationKind = (typeof ConversationKind)[keyof typeof ConversationKind];

/** Roles of a member. Owners and moderators manage members; in channels only they post. */
export const MemberRole = { owner: 'owner', moderator: 'moderator', member: 'member' } as const;
/** One of the {@link MemberRole} values. */
export type MemberRole = (typeof MemberRole)[keyof typeof MemberRole];

/** Media sources a participant may publish in a call. */
export const TrackSource = {
  camera: 'camera',
  microphone: 'microphone',
  screen: 'screen',
  screenAudio: 'screen-audio',
} as const;
/** One of the {@link TrackSource} values. */
export type TrackSource = (typeof TrackSource)[keyof typeof TrackSource];

/** Presence states. `offline` is never set by a user: it is what the server reports without devices. */
export const PresenceStatus = { online: 'online', away: 'away', busy: 'busy', offline: 'offline' } as const;
/** One of the {@link PresenceStatus} values. */
export type PresenceStatus = (typeof PresenceStatus)[keyof typeof PresenceStatus];

/** A user as the server knows them, from their access token. */
export interface User {
  /** The identity (`sub`) from the integrator's token. */
  id: string;
  /** Display name. */
  name: string;
  /** Free-form metadata from the token (never used for access control). */
  metadata: Record<string, unknown> | null;
}

/** A conversation as every member sees it. */
export interface Conversation {
  /** Server-generated id, `c_…`. */
  id: string;
  /** Kind of conversation. */
  kind: ConversationKind;
  /** Title of a group or channel; `null` for direct conversations. */
  title: string | null;
  /** Optional topic, for example `street-light`. */
  topic: string | null;
  /** Optional reference to a record in another system, for example a CRM case id. */
  externalRef: string | null;
  /** Who created it. */
  createdBy: string;
  /** When it was created (ISO 8601, UTC). */
  createdAt: string;
  /** Highest message `seq` assigned so far (0 when empty). */
  lastSeq: number;
  /** Highest change revision so far: bumps on every message created, edited, deleted or reacted to. */
  lastRev: number;
  /** Number of members. */
  memberCount: number;
}

/** The caller's own state in a conversation. */
export interface MembershipState {
  /** The caller's role. */
  role: MemberRole;
  /** Highest `seq` the caller has marked as read. */
  lastReadSeq: number;
  /** Messages after `lastReadSeq` from other members that are not deleted. */
  unreadCount: number;
  /** When the caller joined (ISO 8601, UTC). */
  joinedAt: string;
}

/** A conversation together with the caller's own membership state. */
export interface ConversationWithState extends Conversation {
  /** The caller's role, read position and unread count. */
  self: MembershipState;
}

/** A member of a conversation. */
export interface Member {
  /** The member's user id. */
  userId: string;
  /** Display name as last seen by the server. */
  name: string;
  /** The member's role. */
  role: MemberRole;
  /** Highest `seq` the member has marked as read. */
  lastReadSeq: number;
  /** When they joined (ISO 8601, UTC). */
  joinedAt: string;
}

/** All users who reacted with one emoji. */
export interface Reaction {
  /** The emoji (or short code) reacted with. */
  emoji: string;
  /** Who reacted with it, in the order they did. */
  userIds: string[];
}

/** Kinds of message: written by a user, or posted by the system (membership changes, calls). */
export const MessageKind = { user: 'user', system: 'system' } as const;
/** One of the {@link MessageKind} values. */
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** A message in a conversation. */
export interface Message {
  /** Server-generated id, `m_…`. */
  id: string;
  /** The conversation it belongs to. */
  conversationId: string;
  /** Per-conversation sequence number: gapless, starting at 1, the order everyone sees. */
  seq: number;
  /** Change revision: the conversation's `lastRev` when this message last changed. */
  rev: number;
  /** Idempotency key chosen by the sender's client; `null` for system messages. */
  clientId: string | null;
  /** Author's user id. */
  senderId: string;
  /** User message or system message. */
  kind: MessageKind;
  /** Text; empty once deleted. */
  text: string;
  /** Id of the message this one replies to. */
  replyTo: string | null;
  /** User ids mentioned in the text. */
  mentions: string[];
  /** Reactions, one entry per emoji. */
  reactions: Reaction[];
  /** When it was stored (ISO 8601, UTC). */
  createdAt: string;
  /** When its text was last edited, or `null`. */
  editedAt: string | null;
  /** When it was deleted, or `null`. A deleted message stays as a tombstone without text. */
  deletedAt: string | null;
  /** Files attached to the message, in the order the sender gave them. Empty once deleted. */
  attachments: Attachment[];
}

/** Facts about an image file, measured by the server. */
export interface ImageInfo {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Whether a thumbnail (JPEG/WebP, at most 320 px on its longer side) exists. */
  hasThumbnail: boolean;
}

/** A file attached to a message. Fetch its bytes through a signed URL from `file:url`. */
export interface Attachment {
  /** Server-generated id, `f_…`. */
  fileId: string;
  /** The original file name, sanitised (no path, no control characters, at most 255 bytes). */
  name: string;
  /** Size in bytes. */
  size: number;
  /** Media type decided by sniffing the content, not by the name or the uploader's claim. */
  mimeType: string;
  /** SHA-256 of the content, lowercase hex. */
  sha256: string;
  /** Dimensions and thumbnail for images; `null` for other files. */
  image: ImageInfo | null;
}

/** A stored file as its conversation's members see it. */
export interface FileInfo extends Attachment {
  /** The conversation it was uploaded into. */
  conversationId: string;
  /** Who uploaded it. */
  uploaderId: string;
  /** When the upload completed (ISO 8601, UTC). */
  createdAt: string;
}

/** A user's presence as seen by users who share a conversation with them. */
export interface Presence {
  /** The user. */
  userId: string;
  /** Aggregated over the user's devices: `offline` when none is connected. */
  status: PresenceStatus;
  /** Optional status text, for example "in a meeting until 3pm". */
  statusText: string | null;
  /** When the user was last connected (ISO 8601, UTC); `null` if never. */
  lastSeenAt: string | null;
  /** Number of connected devices. */
  devices: number;
}
