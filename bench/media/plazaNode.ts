import { PlazaClient, silentLogger, type Call, type RemoteTrack } from '@plaza/client';
import type { NodeClientConfig, NodeSide } from './nodeSide.js';
import { trackedWrtc } from './nodeWebrtc.js';

async function join(config: NodeClientConfig, identity: string, autoSubscribe: boolean): Promise<{ client: PlazaClient; call: Call }> {
  const plaza = config.plaza;
  const token = plaza?.tokens[identity];
  if (!plaza || !token) throw new Error(`no Plaza token for ${identity}`);
  const client = new PlazaClient(config.url, { webSocketOnly: true, logger: silentLogger, webrtc: trackedWrtc });
  await client.connect(token);
  const conversation = await client.conversations.get(plaza.conversationId);
  return { client, call: await conversation.joinCall({ autoSubscribe }) };
}

function leave(client: PlazaClient, call: Call): () => Promise<void> {
  return async () => {
    await call.leave().catch(() => undefined);
    await client.disconnect().catch(() => undefined);
  };
}

/** The first subscribed video track of another participant, waiting for one. */
function subscribedVideo(call: Call): Promise<RemoteTrack> {
  return new Promise((resolve) => {
    const check = (track: RemoteTrack) => {
      if (track.kind !== 'video' || !track.isSubscribed || !track.mediaStreamTrack) return false;
      call.off('trackSubscribed', check);
      resolve(track);
      return true;
    };
    call.on('trackSubscribed', check);
    for (const p of call.participants.values()) for (const t of p.tracks.values()) if (check(t)) return;
  });
}

/**
 * Plaza through the real client in Node (`@plaza/client` with `webrtc: @roamhq/wrtc`): the publisher
 * joins and `publishTrack(track, { source: 'camera', simulcast: false })`; each subscriber is its own
 * user and client, joins with `autoSubscribe` and takes the camera track it gets.
 */
export function plazaSide(config: NodeClientConfig): NodeSide {
  return {
    async publish(track) {
      const { client, call } = await join(config, 'publisher', false);
      await call.publishTrack(track, { source: 'camera', simulcast: false });
      return leave(client, call);
    },
    async subscribe(index) {
      const { client, call } = await join(config, `subscriber-${index}`, true);
      const track = await subscribedVideo(call);
      return { track: track.mediaStreamTrack as MediaStreamTrack, close: leave(client, call) };
    },
  };
}
