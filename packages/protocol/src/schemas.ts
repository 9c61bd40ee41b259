import { z } from 'zod';
import { callRequestSchemas } from './calls.js';
import { deskRequestSchemas } from './desk.js';
import { freeText, idSchema, isWellFormedText, str, userIdSchema } from './fields.js';

export { idSchema, isWellFormedText, userIdSchema };

/**
 * Hard upper bound on any text field in a request, in characters. The server applies its own,
 * usually much smaller, byte limit (`maxTextBytes`) on top and answers `PAYLOAD_TOO_LARGE`.
 */
export const TEXT_HARD_LIMIT = 1024 * 1024;

// Printable characters only: no C0/C1 control characters in names, titles and ids.
const noControl = /^[^\u0000-\u001f\u007f-\u009f]*$/;
// Bidi embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they reorder what
// follows them, so a title or name could show text other than what it holds.
const bidiControl = /[\u202A-\u202E\u2066-\u2069]/;
// Whitespace and Unicode format characters (zero-width space/joiner, bidi controls, BOM, …).
const invisible = /[\s\p{Cf}]/gu;

/** Whether `value` holds a bidi embedding, override or isolate control (U+202A–U+202E, U+2066–U+2069). */
export function hasBidiControl(value: string): boolean {
  return bidiControl.test(value);
}

/** Whether `value` is empty once whitespace and invisible format characters (`\p{Cf}`) are removed. */
export function isBlankText(value: string): boolean {
  return value.replace(invisible, '').length === 0;
}

/** `str()`, also refusing control and bidi control characters (titles, topics, status text). */
const label = (schema: z.ZodString) =>
  schema
    .regex(noControl, 'control characters are not allowed')
    .refine(isWellFormedText, 'expected well-formed text (no lone surrogate characters)')
    .refine((v) => !hasBidiControl(v), 'bidi control characters (U+202A-U+202E, U+2066-U+2069) are not allowed');

/** A client-chosen idempotency key: 1–64 letters, digits, `_`, `-`. */
export const clientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a clientId of 1-64 letters, digits, "_" or "-"');
/** A title: 1–200 printable characters, no bidi controls. */
export const titleSchema = label(z.string().trim().min(1).max(200));
/** A topic: 1–100 printable characters, no bidi controls. */
export const topicSchema = label(z.string().trim().min(1).max(100));
/** An external reference (for example a CRM case id): 1–200 printable, well-formed characters. */
export const externalRefSchema = str().min(1).max(200).regex(noControl, 'control characters are not allowed');

/**
 * Message text, well-formed. Line breaks and tabs are allowed; other C0 control characters and DEL
 * are not. Bidi marks and controls are allowed (right-to-left languages need them), so clients must
 * render message text as text, isolated from what surrounds it (for example in its own `dir="auto"`
 * element), never as markup.
 */
export const textSchema = freeText().max(TEXT_HARD_LIMIT);
/** Presence status text: up to 200 printable characters, no bidi controls. */
export const statusTextSchema = label(z.string().max(200));
/** A sequence number. */
export const seqSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A page size. */
export const limitSchema = z.int().min(1).max(200);
/** An emoji or short code used as a reaction: 1–32 characters, no whitespace. */
export const emojiSchema = str().min(1).max(32).regex(/^[^\s\u0000-\u001f\u007f-\u009f]+$/, 'expected an emoji without whitespace');
/** A member role. */
export const roleSchema = z.enum(['owner', 'moderator', 'member']);

const empty = z.strictObject({});

/**
 * The zod schema of every client→server request, by event name. The server parses every request
 * with it before doing anything else; unknown keys are refused, not ignored.
 */
export const requestSchemas = {
  'session:hello': empty,
  'conversation:create': z.strictObject({
    kind: z.enum(['group', 'channel']),
    title: titleSchema,
    memberIds: z.array(userIdSchema).max(1000).optional(),
    topic: topicSchema.optional(),
    externalRef: externalRefSchema.optional(),
  }),
  'conversation:openDirect': z.strictObject({ userId: userIdSchema }),
  'conversation:list': empty,
  'conversation:get': z.strictObject({ conversationId: idSchema }),
  'conversation:members': z.strictObject({ conversationId: idSchema }),
  'conversation:update': z.strictObject({
    conversationId: idSchema,
    title: titleSchema.optional(),
    topic: topicSchema.nullable().optional(),
  }),
  'conversation:addMembers': z.strictObject({
    conversationId: idSchema,
    userIds: z.array(userIdSchema).min(1).max(1000),
    role: roleSchema.optional(),
  }),
  'conversation:removeMember': z.strictObject({ conversationId: idSchema, userId: userIdSchema }),
  'conversation:setRole': z.strictObject({ conversationId: idSchema, userId: userIdSchema, role: roleSchema }),
  'conversation:join': z.strictObject({ conversationId: idSchema }),
  'conversation:leave': z.strictObject({ conversationId: idSchema }),
  'message:send': z.strictObject({
    conversationId: idSchema,
    clientId: clientIdSchema,
    text: textSchema,
    replyTo: idSchema.optional(),
    mentions: z.array(userIdSchema).max(100).optional(),
    /** Ids of completed uploads into this conversation (text may then be empty), each at most once. */
    attachments: z
      .array(idSchema)
      .min(1)
      .max(10)
      .refine((ids) => new Set(ids).size === ids.length, 'the same file may be attached only once')
      .optional(),
  }),
  'message:edit': z.strictObject({ conversationId: idSchema, messageId: idSchema, text: textSchema }),
  'message:delete': z.strictObject({ conversationId: idSchema, messageId: idSchema }),
  'message:react': z.strictObject({ conversationId: idSchema, messageId: idSchema, emoji: emojiSchema, add: z.boolean() }),
  'message:history': z.strictObject({
    conversationId: idSchema,
    beforeSeq: seqSchema.optional(),
    afterSeq: seqSchema.optional(),
    limit: limitSchema.optional(),
  }),
  'message:sync': z.strictObject({ conversationId: idSchema, afterRev: seqSchema, limit: limitSchema.optional() }),
  'read:mark': z.strictObject({ conversationId: idSchema, seq: seqSchema }),
  'typing:set': z.strictObject({ conversationId: idSchema, typing: z.boolean() }),
  'presence:set': z.strictObject({
    status: z.enum(['online', 'away', 'busy']),
    statusText: statusTextSchema.nullable().optional(),
  }),
  'file:url': z.strictObject({ fileId: idSchema, variant: z.enum(['original', 'thumbnail']).optional() }),
  'file:get': z.strictObject({ fileId: idSchema }),
  'presence:get': z.strictObject({ userIds: z.array(userIdSchema).min(1).max(500) }),
  ...callRequestSchemas,
  ...deskRequestSchemas,
} as const;

/** Request payload types, inferred from {@link requestSchemas}. */
export type RequestPayloads = { [K in keyof typeof requestSchemas]: z.infer<(typeof requestSchemas)[K]> };

/** The handshake `auth` object a client sends when it connects. */
export const handshakeAuthSchema = z.object({
  token: z.string().min(1).max(8192),
  protocolVersion: z.int(),
  sdk: str().max(100).optional(),
});

/** The handshake `auth` object a client sends when it connects. */
export type HandshakeAuth = z.infer<typeof handshakeAuthSchema>;
