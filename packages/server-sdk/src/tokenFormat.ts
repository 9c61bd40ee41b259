import { z } from 'zod';
import { hasBidiControl, isWellFormedText, userIdSchema } from '@plaza/protocol';

/**
 * The Plaza token format, shared by {@link AccessToken} (which refuses to sign what the verifier
 * would refuse) and {@link verifyAccessToken}. Internal: not exported from the package.
 */

/** Longest token accepted, in characters (the handshake schema allows the same). */
export const MAX_TOKEN_LENGTH = 8192;

/** Longest display name, in characters. */
export const MAX_NAME_LENGTH = 200;

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** A display name: 1–200 well-formed characters without control or bidi control characters. */
export const nameSchema = z
  .string()
  .min(1)
  .max(MAX_NAME_LENGTH)
  .refine((name) => !CONTROL_CHARACTERS.test(name), 'control characters are not allowed')
  .refine(isWellFormedText, 'expected well-formed text (no lone surrogate characters)')
  .refine((name) => !hasBidiControl(name), 'bidi control characters (U+202A-U+202E, U+2066-U+2069) are not allowed');

/** The `grants` claim: every field optional, unknown fields refused. */
export const grantsSchema = z
  .object({
    canCreate: z.array(z.enum(['direct', 'group', 'channel'])).optional(),
    canJoin: z.array(z.string().min(1).max(64)).max(1000).optional(),
    canPublish: z.array(z.enum(['camera', 'microphone', 'screen', 'screen-audio'])).optional(),
    canSubscribe: z.boolean().optional(),
    canUploadFiles: z.boolean().optional(),
    admin: z.boolean().optional(),
    bot: z.boolean().optional(),
  })
  .strict();

/** The `metadata` claim: a plain JSON object. */
export const metadataSchema = z.record(z.string(), z.unknown());

/** Every claim of a Plaza token that the verifier reads. */
export const claimsSchema = z.object({
  iss: z.string().min(1),
  sub: userIdSchema,
  name: nameSchema.optional(),
  metadata: metadataSchema.optional(),
  grants: grantsSchema.optional(),
  jti: z.string().optional(),
  iat: z.number(),
  exp: z.number(),
});

/** Formats the first zod issue as `path: message` for a `TypeError`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
