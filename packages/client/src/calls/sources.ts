import type { MediaKind, TrackSource } from '@plaza/protocol';

/**
 * The media kind each source carries (the same map as the protocol's `sourceKind`, kept here so
 * the browser bundle does not pull in the protocol's request schemas, and with them zod).
 */
export const SOURCE_KIND: Readonly<Record<TrackSource, MediaKind>> = {
  microphone: 'audio',
  camera: 'video',
  screen: 'video',
  'screen-audio': 'audio',
};
