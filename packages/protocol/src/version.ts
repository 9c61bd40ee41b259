/**
 * The version of the wire protocol described in `docs/protocol.md`.
 *
 * The client sends it in the socket.io handshake; the server refuses a client whose version it
 * does not support with the `PROTOCOL_MISMATCH` error instead of guessing.
 */
export const PROTOCOL_VERSION = 1;

/** Protocol versions this release of the server accepts. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];

/** Whether a client speaking `version` can talk to a server of this release. */
export function isSupportedProtocolVersion(version: unknown): version is number {
  return typeof version === 'number' && SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}
