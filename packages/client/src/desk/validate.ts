/** Argument checks of the desk's public methods: each throws `TypeError` at once with a clear message. */

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Throws unless `value` is a department, topic or channel id (a slug of lowercase letters, digits and `-`, 1–63). */
export function assertSlug(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !SLUG.test(value)) {
    throw new TypeError(`${name} must be a slug of 1-63 lowercase letters, digits and "-" (for example "street-light")`);
  }
}

/** Throws unless `value` is a non-blank string of at most `max` characters. */
export function assertNote(name: string, value: unknown, max: number): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new TypeError(`${name} must not be empty`);
  if (trimmed.length > max) throw new TypeError(`${name} must be at most ${max} characters`);
}

/** Throws unless `value` is one of `allowed` (or `undefined`). */
export function assertOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T | undefined {
  if (value !== undefined && !allowed.includes(value as T)) throw new TypeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
}

/**
 * Throws unless every own key of `value` is one of `allowed`: the server refuses unknown keys, and
 * dropping them here would hide the mistake (a location's `alt` would silently be lost).
 */
export function assertKnownKeys(name: string, value: object, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new TypeError(`${name} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${allowed.join(', ')})`);
  }
}
