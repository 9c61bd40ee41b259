import { ErrorCode } from '@plaza/protocol';
import * as media from '../../calls/callMedia.js';
import { PlazaError } from '../../errors.js';
import { auditDenied, requireCallParticipant } from './callAccess.js';
import type { HandlerMap } from './types.js';

/** Handlers of a participant's own media: transports, tracks, consumers and data channels. */
export const callMediaHandlers: Pick<
  HandlerMap,
  | 'call:connectTransport'
  | 'call:restartIce'
  | 'call:produce'
  | 'call:unpublish'
  | 'call:setTrackMuted'
  | 'call:consume'
  | 'call:setConsumerPaused'
  | 'call:setConsumerLayers'
  | 'call:produceData'
  | 'call:consumeData'
> = {
  async 'call:connectTransport'(ctx, req) {
    const { participant } = await requireCallParticipant(ctx, req.callId);
    await media.connectTransport(participant, req);
    return {};
  },

  async 'call:restartIce'(ctx, req) {
    const { participant } = await requireCallParticipant(ctx, req.callId);
    return { iceParameters: await media.restartIce(participant, req) };
  },

  async 'call:produce'(ctx, req) {
    const { call, participant } = await requireCallParticipant(ctx, req.callId);
    if (!participant.grants.canPublish.includes(req.source)) {
      auditDenied(ctx, call.conversationId, ErrorCode.PERMISSION_DENIED, { grant: 'canPublish', source: req.source, callId: call.id });
      throw new PlazaError(ErrorCode.PERMISSION_DENIED, `your token does not allow publishing ${req.source} (canPublish)`);
    }
    return { trackId: await media.produce(call, participant, req) };
  },

  async 'call:unpublish'(ctx, req) {
    const { call, participant } = await requireCallParticipant(ctx, req.callId);
    media.unpublish(call, participant, req);
    return {};
  },

  async 'call:setTrackMuted'(ctx, req) {
    const { call, participant } = await requireCallParticipant(ctx, req.callId);
    return media.setMuted(call, participant, req.trackId, req.muted, null);
  },

  async 'call:consume'(ctx, req) {
    const { call, participant } = await requireCallParticipant(ctx, req.callId);
    if (!participant.grants.canSubscribe) {
      auditDenied(ctx, call.conversationId, ErrorCode.PERMISSION_DENIED, { grant: 'canSubscribe', callId: call.id });
    }
    return media.consume(call, participant, req);
  },

  async 'call:setConsumerPaused'(ctx, req) {
    const { participant } = await requireCallParticipant(ctx, req.callId);
    await media.setConsumerPaused(participant, req);
    return {};
  },

  async 'call:setConsumerLayers'(ctx, req) {
    const { participant } = await requireCallParticipant(ctx, req.callId);
    await media.setConsumerLayers(participant, req);
    return {};
  },

  async 'call:produceData'(ctx, req) {
    const { call, participant } = await requireCallParticipant(ctx, req.callId);
    return { dataProducerId: await media.produceData(call, participant, req) };
  },

  async 'call:consumeData'(ctx, req) {
    const { call, participant } = await requireCallParticipant(ctx, req.callId);
    if (!participant.grants.canSubscribe) {
      auditDenied(ctx, call.conversationId, ErrorCode.PERMISSION_DENIED, { grant: 'canSubscribe', callId: call.id });
    }
    return media.consumeData(call, participant, req);
  },
};
