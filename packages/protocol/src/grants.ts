import type { ConversationKind, TrackSource } from './entities.js';

/**
 * What a user may do, as carried in their access token. Absent fields take the values in
 * {@link grantDefaults}.
 */
export interface Grants {
  /** Kinds of conversation the user may create. Direct conversations count as creating. */
  canCreate?: ConversationKind[];
  /**
   * Conversations the user may join by themselves without being added: ids, or `'*'` for every
   * group and channel. Being added by an owner or moderator needs no grant.
   */
  canJoin?: string[];
  /** Sources the user may publish in calls. */
  canPublish?: TrackSource[];
  /** Whether the user may receive other participants' media. */
  canSubscribe?: boolean;
  /** Whether the user may upload files. */
  canUploadFiles?: boolean;
  /** Administrator: may manage any conversation and act for others. */
  admin?: boolean;
  /** The user is a bot (shown as such to others; may be given higher rate limits). */
  bot?: boolean;
}

/** Grants with every field resolved. */
export type ResolvedGrants = Required<Grants>;

/** The grants a token gets for each field it leaves out. */
export const grantDefaults: ResolvedGrants = {
  canCreate: ['direct', 'group'],
  canJoin: [],
  canPublish: ['microphone', 'camera', 'screen', 'screen-audio'],
  canSubscribe: true,
  canUploadFiles: true,
  admin: false,
  bot: false,
};

/** Fills in every grant a token leaves out with its default. */
export function resolveGrants(grants: Grants | undefined): ResolvedGrants {
  return { ...grantDefaults, ...(grants ?? {}) };
}
