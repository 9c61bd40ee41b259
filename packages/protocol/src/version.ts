import { z } from 'zod';

/*
 * Outside Node (browsers, workers) zod runs jitless: it otherwise probes `new Function('')` when
 * the first object schema is built, and a page whose Content-Security-Policy lacks
 * 'unsafe-eval' reports that probe as a violation even though zod catches it. The setting must be
 * made before any schema exists, so it lives here: `index.ts` exports this module first, and this
 * module is in every bundle (the client sends PROTOCOL_VERSION). Node keeps zod's faster
 * generated parsers (the server parses every request).
 */
const runsInNode = typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
if (!runsInNode) z.config({ jitless: true });

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
