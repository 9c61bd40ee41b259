/**
 * Simulcast layer choice by the size a video is shown at: the smallest layer that still looks sharp.
 * The camera publishes three layers (a quarter, half and full resolution).
 */

/** Widths (CSS pixels) up to which each layer is enough; wider than the last one → the top layer. */
export const layerWidths = [320, 640] as const;

/**
 * The spatial layer that fits an element `width` CSS pixels wide: ≤ 320 → 0, ≤ 640 → 1, else 2,
 * never above the track's top layer (`layers - 1`). A width of 0 (hidden) → 0.
 */
export function layerForWidth(width: number, layers: number): number {
  const top = Math.max(0, Math.floor(layers) - 1);
  let layer: number = layerWidths.length;
  for (let i = 0; i < layerWidths.length; i++) {
    if (width <= (layerWidths[i] ?? 0)) {
      layer = i;
      break;
    }
  }
  return Math.min(layer, top);
}

/** The layer for several elements showing the same track: the one the widest needs. */
export function layerForWidths(widths: Iterable<number>, layers: number): number | null {
  let widest: number | null = null;
  for (const w of widths) widest = widest === null ? w : Math.max(widest, w);
  return widest === null ? null : layerForWidth(widest, layers);
}
