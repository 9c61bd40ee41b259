import type { types as ms } from 'mediasoup-client';

/** Encodings of camera simulcast: a quarter, half and full resolution (low to high). */
export const cameraSimulcastEncodings: readonly ms.RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/** Codec options of video producers: start at a usable bitrate instead of ramping up from 300 kbps. */
export const videoCodecOptions: ms.ProducerCodecOptions = { videoGoogleStartBitrate: 1000 };

/** Codec options of audio producers: Opus with in-band FEC and DTX (silence costs almost nothing). */
export const audioCodecOptions: ms.ProducerCodecOptions = { opusFec: true, opusDtx: true };

function mediaDevices(): MediaDevices {
  const md = (globalThis as { navigator?: { mediaDevices?: MediaDevices } }).navigator?.mediaDevices;
  if (!md) throw new TypeError('no navigator.mediaDevices here (a page on http(s), or pass a track)');
  return md;
}

/** The microphone's audio track (a given device, or the default one). */
export async function captureMicrophone(deviceId: string | undefined): Promise<MediaStreamTrack> {
  const stream = await mediaDevices().getUserMedia({ audio: deviceId ? { deviceId: { exact: deviceId } } : true, video: false });
  const track = stream.getAudioTracks()[0];
  if (!track) throw new TypeError('the browser returned no audio track');
  return track;
}

/** The camera's video track (a given device, or the default one), at about `resolution`. */
export async function captureCamera(deviceId: string | undefined, resolution: { width: number; height: number } | undefined): Promise<MediaStreamTrack> {
  const video: MediaTrackConstraints = {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    ...(resolution ? { width: { ideal: resolution.width }, height: { ideal: resolution.height } } : { width: { ideal: 1280 }, height: { ideal: 720 } }),
  };
  const stream = await mediaDevices().getUserMedia({ audio: false, video });
  const track = stream.getVideoTracks()[0];
  if (!track) throw new TypeError('the browser returned no video track');
  return track;
}

/** The screen (or window or tab) the user picks, with its audio when asked and offered. */
export async function captureScreen(audio: boolean): Promise<{ video: MediaStreamTrack; audio: MediaStreamTrack | null }> {
  const stream = await mediaDevices().getDisplayMedia({ video: true, audio });
  const video = stream.getVideoTracks()[0];
  if (!video) throw new TypeError('the browser returned no screen track');
  return { video, audio: stream.getAudioTracks()[0] ?? null };
}
