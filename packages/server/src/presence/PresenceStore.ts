import type { Presence } from '@plaza/protocol';

/** A status a user can choose; `offline` is only ever derived (no connected device). */
export type ChosenStatus = 'online' | 'away' | 'busy';

/** What a connect or disconnect did to a user's aggregated presence. */
export interface PresenceChange {
  /** The user's presence after the change. */
  presence: Presence;
  /** Whether others should hear about it: first device connected or last one gone. */
  changed: boolean;
}

/**
 * Where presence lives: per user, the set of connected devices (sockets), the chosen status and
 * text, and when they were last connected. Aggregated over devices: a user is `offline` when no
 * device is connected, otherwise their chosen status (`online` until they choose another).
 *
 * The in-memory store serves one node; a Redis store with the same interface serves many.
 * Every method may be asynchronous for that reason.
 */
export interface PresenceStore {
  /** A device (socket) of `userId` connected. */
  connect(userId: string, deviceId: string): Promise<PresenceChange>;
  /** A device of `userId` disconnected; records last-seen when it was the last one. */
  disconnect(userId: string, deviceId: string): Promise<PresenceChange>;
  /** Sets the chosen status and text (`null` clears the text, `undefined` keeps it). */
  set(userId: string, status: ChosenStatus, statusText: string | null | undefined): Promise<Presence>;
  /** Presence of each user, in the order asked; unknown users are `offline` with `lastSeenAt: null`. */
  get(userIds: readonly string[]): Promise<Presence[]>;
}
