import { z } from 'zod';

/*
 * The basic field schemas every request schema is built from. They live apart from `schemas.ts` so
 * that the call request schemas (`calls.ts`), which `schemas.ts` merges in, can use them too.
 */

// With the `u` flag a surrogate range matches only lone surrogates (pairs are one code point).
const loneSurrogate = /[\uD800-\uDFFF]/u;

/**
 * Whether `value` is well-formed UTF-16 (no lone surrogate). A lone surrogate cannot be stored or
 * sent as UTF-8: it would silently become U+FFFD, so every string of the protocol refuses it.
 */
export function isWellFormedText(value: string): boolean {
  return !loneSurrogate.test(value);
}

// C0 control characters except tab, line feed and carriage return, and DEL: NUL cuts strings in
// C code and logs, ESC starts terminal escape sequences, BEL rings. None is text.
const textControl = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Whether `value` holds a C0 control character other than tab, line feed and carriage return, or DEL. */
export function hasTextControl(value: string): boolean {
  return textControl.test(value);
}

/** The refusal message of {@link hasTextControl}, the same wherever text is checked. */
export const TEXT_CONTROL_MESSAGE = 'control characters other than tab, line feed and carriage return are not allowed';

/** A string schema that refuses lone surrogates (every string field of the protocol starts here). */
export const str = () => z.string().refine(isWellFormedText, 'expected well-formed text (no lone surrogate characters)');
/** A server-generated or integrator-chosen id: letters, digits, `_`, `-`; 1–64 characters. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an id of 1-64 letters, digits, "_" or "-"');
/**
 * A user id (the token's `sub`): 1–128 printable characters, well-formed, without whitespace,
 * control characters or invisible format characters (`\p{Cf}`: zero-width, bidi controls, BOM).
 */
export const userIdSchema = str()
  .min(1)
  .max(128)
  .regex(/^[^\s\p{Cc}\p{Cf}]+$/u, 'expected a user id without spaces, control or invisible format characters');
/**
 * Free text a person wrote (message text, a request's description, an agent's note, an alert's body):
 * well-formed; tab, line feed and carriage return allowed, other C0 control characters and DEL not.
 * Bidi marks and controls are allowed (right-to-left languages need them).
 */
export const freeText = () => str().refine((v) => !hasTextControl(v), TEXT_CONTROL_MESSAGE);
