import type { TrackSource } from '@plaza/protocol';

/** Options of `conversation.joinCall()`. */
export interface JoinCallOptions {
  /** Receive every track of the others as soon as it is published. @defaultValue true */
  autoSubscribe?: boolean;
  /**
   * Take over this participant of the user's (`call.localParticipant.id` on another device, which
   * the app handed over: "I moved to my phone"). The participant keeps its id and place in the
   * call; the device that had it gets `left` with reason `left`; its tracks must be published
   * again from here. Only a participant of the same user in the live call can be taken over:
   * otherwise the join fails with `CALL_NOT_FOUND` (a participant that already left the call is
   * joined anew instead). @defaultValue a new participant
   */
  participantId?: string;
}

/** Options of {@link Call.publishMicrophone}. */
export interface PublishMicrophoneOptions {
  /** The microphone to use (`MediaDeviceInfo.deviceId`). @defaultValue the default one */
  deviceId?: string;
  /** Publish this track instead of capturing one. */
  track?: MediaStreamTrack;
  /** Publish it muted. @defaultValue false */
  muted?: boolean;
}

/** Options of {@link Call.publishCamera}. */
export interface PublishCameraOptions {
  /** The camera to use (`MediaDeviceInfo.deviceId`). @defaultValue the default one */
  deviceId?: string;
  /** Publish this track instead of capturing one. */
  track?: MediaStreamTrack;
  /** Send three layers (¼, ½ and full resolution) so each receiver gets what fits its view. @defaultValue true */
  simulcast?: boolean;
  /** Capture resolution asked of the camera. @defaultValue 1280×720 */
  resolution?: { width: number; height: number };
  /** Publish it muted. @defaultValue false */
  muted?: boolean;
}

/** Options of {@link Call.publishScreen}. */
export interface PublishScreenOptions {
  /** Also publish the shared screen's audio (`screen-audio`) when the browser offers it. @defaultValue true */
  audio?: boolean;
}

/** Options of {@link Call.publishTrack}. */
export interface PublishTrackOptions {
  /** What the track is; its kind must match (`microphone`/`screen-audio` audio, `camera`/`screen` video). */
  source: TrackSource;
  /**
   * Simulcast (video only): three layers, as `publishCamera()` sends. Off by default because the
   * track's size is unknown here: a source smaller than about 640×480 leaves the lower layers too
   * small to encode, and `@roamhq/wrtc` in Node sends unreliably with simulcast.
   * @defaultValue false
   */
  simulcast?: boolean;
  /** Publish it muted. @defaultValue false */
  muted?: boolean;
}
