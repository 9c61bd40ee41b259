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
