import { describe, expect, it } from 'vitest';
import { layerForWidth, layerForWidths } from './layers.js';

describe('simulcast layer by element size', () => {
  it('an element up to 320 px wide gets layer 0, up to 640 px layer 1, wider layer 2', () => {
    expect(layerForWidth(0, 3)).toBe(0);
    expect(layerForWidth(160, 3)).toBe(0);
    expect(layerForWidth(320, 3)).toBe(0);
    expect(layerForWidth(321, 3)).toBe(1);
    expect(layerForWidth(640, 3)).toBe(1);
    expect(layerForWidth(641, 3)).toBe(2);
    expect(layerForWidth(1920, 3)).toBe(2);
  });

  it('never asks for a layer above the top layer the publisher sends', () => {
    expect(layerForWidth(1920, 1)).toBe(0);
    expect(layerForWidth(1920, 2)).toBe(1);
    expect(layerForWidth(500, 1)).toBe(0);
  });

  it('several elements showing one track get the layer the widest needs; no elements → no choice', () => {
    expect(layerForWidths([200, 700, 300], 3)).toBe(2);
    expect(layerForWidths([200, 300], 3)).toBe(0);
    expect(layerForWidths([], 3)).toBeNull();
  });
});
