import wrtc from '@roamhq/wrtc';

/** A running synthetic camera: a wrtc video track fed with I420 frames on a timer. */
export interface SyntheticCamera {
  track: MediaStreamTrack;
  /** Frames handed to the source so far. */
  frames(): number;
  stop(): void;
}

/**
 * Starts a `width`x`height` I420 source at `fps`: a noise texture scrolling diagonally with a
 * block of fresh noise each frame, detailed and moving enough that VP8 fills the bitrate it is
 * given (a flat gradient would encode to almost nothing).
 */
export function startSyntheticCamera(width: number, height: number, fps: number): SyntheticCamera {
  const source = new wrtc.nonstandard.RTCVideoSource();
  const track = source.createTrack() as unknown as MediaStreamTrack;
  const lumaSize = width * height;
  const data = new Uint8ClampedArray(lumaSize * 1.5);
  const textureWidth = width * 2;
  const textureHeight = height * 2;
  const texture = new Uint8Array(textureWidth * textureHeight);
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  // Smooth-ish noise: random values blurred horizontally, so it is texture rather than white noise.
  for (let i = 0; i < texture.length; i++) texture[i] = random() & 0xff;
  for (let i = 1; i < texture.length; i++) texture[i] = ((texture[i] as number) + (texture[i - 1] as number) * 3) >> 2;
  let tick = 0;
  const frame = { width, height, data };
  // Frames are due at start + n/fps on the wall clock; each timeout aims at the next due time, so a
  // late timer does not push every later frame back (setInterval's slip cost ~1 fps under load).
  const start = performance.now();
  const interval = 1000 / fps;
  let due = 0;
  let timer: NodeJS.Timeout;
  const schedule = () => {
    timer = setTimeout(produce, Math.max(0, start + (due + 1) * interval - performance.now()));
  };
  const produce = () => {
    tick++;
    const dx = (tick * 3) % width;
    const dy = (tick * 2) % height;
    for (let y = 0; y < height; y++) {
      const from = (y + dy) * textureWidth + dx;
      data.set(texture.subarray(from, from + width), y * width);
    }
    // A 96x96 block of fresh noise at a moving spot.
    const bx = (tick * 7) % (width - 96);
    const by = (tick * 5) % (height - 96);
    for (let y = by; y < by + 96; y++) for (let x = bx; x < bx + 96; x++) data[y * width + x] = random() & 0xff;
    // Chroma: slowly changing flat colour.
    data.fill(128 + Math.round(40 * Math.sin(tick / 30)), lumaSize, lumaSize + lumaSize / 4);
    data.fill(128 + Math.round(40 * Math.cos(tick / 30)), lumaSize + lumaSize / 4);
    source.onFrame(frame as unknown as Parameters<typeof source.onFrame>[0]);
    // After a long stall, skip the frames that are already past rather than sending them in a burst.
    due = Math.max(due + 1, Math.floor((performance.now() - start) / interval));
    schedule();
  };
  schedule();
  return {
    track,
    frames: () => tick,
    stop: () => {
      clearTimeout(timer);
      track.stop();
    },
  };
}
