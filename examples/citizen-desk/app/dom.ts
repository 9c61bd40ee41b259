/** Small DOM helpers: the page is plain DOM, no UI framework. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

/**
 * Creates an element with attributes (`true` sets an empty attribute, `false`/`null`/`undefined`
 * leave it out) and children (strings become text nodes, so text is never parsed as HTML).
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** The element with `id`, typed; throws when the page lacks it (a bug in the page, not in use). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

let uid = 0;
/** A page-unique id with a readable prefix, for label/aria references. */
export const nextId = (prefix: string): string => `${prefix}-${++uid}`;

/**
 * Announces `text` through the page's polite status region (screen readers read it once), and
 * keeps it visible there for sighted users too.
 */
export function announce(text: string): void {
  const status = byId('status');
  // Clearing first makes a repeated identical announcement be read again.
  status.textContent = '';
  setTimeout(() => (status.textContent = text), 30);
}

/** Shows an error in the page's alert region (assertive), or clears it with ''. */
export function showError(text: string): void {
  byId('alert').textContent = text;
}

/** "3 min", "1 h 5 min", "2 d 4 h": a waiting time for people. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** A local date and time for people ("4 Dec, 14:05"). */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** The message of an error of any kind. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
