/** Argument checks for public methods: each throws `TypeError` at once with a clear message. */

const ID = /^[A-Za-z0-9_-]{1,64}$/;
// eslint-disable-next-line no-control-regex
const USER_ID = /^[^\s\u0000-\u001f\u007f-\u009f]{1,128}$/;
const ROLES = ['owner', 'moderator', 'member'] as const;

/** Throws unless `value` is a server id (`c_…`, `m_…`) or client id: 1–64 letters, digits, `_`, `-`. */
export function assertId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !ID.test(value)) throw new TypeError(`${name} must be an id of 1-64 letters, digits, "_" or "-"`);
}

/** Throws unless `value` is a user id: 1–128 characters without whitespace or control characters. */
export function assertUserId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !USER_ID.test(value)) {
    throw new TypeError(`${name} must be a user id of 1-128 characters without whitespace`);
  }
}

/** Throws unless `value` is a non-empty array of user ids. */
export function assertUserIds(name: string, value: unknown, max = 1000): asserts value is string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    throw new TypeError(`${name} must be an array of 1-${max} user ids`);
  }
  value.forEach((v, i) => assertUserId(`${name}[${i}]`, v));
}

/** Throws unless `value` is a string of at most `max` characters (and not empty unless allowed). */
export function assertText(name: string, value: unknown, options: { max?: number; allowEmpty?: boolean } = {}): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  if (!options.allowEmpty && value.trim().length === 0) throw new TypeError(`${name} must not be empty`);
  if (options.max !== undefined && value.length > options.max) throw new TypeError(`${name} must be at most ${options.max} characters`);
}

/** Throws unless `value` is an integer >= `min`. */
export function assertInt(name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer between ${min} and ${max}`);
  }
}

/** Throws unless `value` is a member role. */
export function assertRole(name: string, value: unknown): asserts value is (typeof ROLES)[number] {
  if (!ROLES.includes(value as (typeof ROLES)[number])) throw new TypeError(`${name} must be one of ${ROLES.join(', ')}`);
}

/** Throws unless `value` is a plain object (or undefined when optional). */
export function assertObject(name: string, value: unknown, optional = false): asserts value is Record<string, unknown> | undefined {
  if (value === undefined && optional) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${name} must be an object`);
}

/** Throws unless `value` is a boolean. */
export function assertBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
}

/** Throws unless `value` is an emoji or short code: 1–32 characters without whitespace. */
export function assertEmoji(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !/^[^\s\u0000-\u001f\u007f-\u009f]{1,32}$/.test(value)) {
    throw new TypeError('emoji must be 1-32 characters without whitespace');
  }
}
