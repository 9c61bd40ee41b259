/** Helpers for showing a `MediaStreamTrack` in `<video>`/`<audio>` elements. */

/** A new `<video>` (autoplay, inline) or `<audio>` (autoplay) element for a track of `kind`. */
export function createMediaElement(kind: 'audio' | 'video'): HTMLMediaElement {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) throw new TypeError('attach() without an element needs a DOM (document is not defined here)');
  const el = doc.createElement(kind);
  el.autoplay = true;
  if (kind === 'video') (el as HTMLVideoElement).playsInline = true;
  return el;
}

/** Shows `track` in `el` (replacing what it showed) and starts playback. */
export function showTrack(el: HTMLMediaElement, track: MediaStreamTrack | null, muted: boolean): void {
  if (muted) el.muted = true;
  if (!track) {
    el.srcObject = null;
    return;
  }
  const current = el.srcObject as MediaStream | null;
  if (current && current.getTracks().length === 1 && current.getTracks()[0] === track) return;
  el.srcObject = new MediaStream([track]);
  const played = el.play?.();
  if (played && typeof played.catch === 'function') played.catch(() => undefined);
}

/** Stops showing anything in `el`. */
export function clearElement(el: HTMLMediaElement): void {
  el.srcObject = null;
}
