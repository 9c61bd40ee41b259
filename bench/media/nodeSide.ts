/** What a Node load client does on one system (bare or Plaza) in the CPU run. */
export interface NodeSide {
  /** Publishes `track` as the camera (one encoding, {@link CPU_RUN_ENCODING}); resolves with a closer. */
  publish(track: MediaStreamTrack): Promise<() => Promise<void>>;
  /** Joins as subscriber number `index` and resolves with the first remote video track and a closer. */
  subscribe(index: number): Promise<{ track: MediaStreamTrack; close: () => Promise<void> }>;
}

/** Configuration of one `node-client.ts` child process. */
export interface NodeClientConfig {
  system: 'bare' | 'plaza';
  role: 'publisher' | 'subscribers';
  /** Signaling URL of the server. */
  url: string;
  /** Number of subscribers (role `subscribers`). */
  count: number;
  /** Index of this process's first subscriber (for distinct identities). */
  firstIndex: number;
  /** Plaza only: where to get access tokens and which conversation to join. */
  plaza?: PlazaNodeConfig;
}

/** Plaza only: access tokens per index and the conversation holding the call. */
export interface PlazaNodeConfig {
  conversationId: string;
  /** Access tokens: `publisher` and `subscriber-<index>`. */
  tokens: Record<string, string>;
}

/** Messages a `node-client.ts` child sends to its parent. */
export type ChildMessage =
  | { type: 'ready'; subscribed: number; errors: string[] }
  | { type: 'counters'; frames: number[]; pushed: number; rtp: import('./nodeWebrtc.js').RtpCounters }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** Messages the parent sends to a `node-client.ts` child. */
export type ParentMessage = { cmd: 'counters' } | { cmd: 'close' };
