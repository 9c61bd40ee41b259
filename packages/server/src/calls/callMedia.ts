import { ErrorCode, sourceKind } from '@plaza/protocol';
import type { CallRequestPayloads, CallTrack, ConsumerOptions, DataConsumerOptions, IceParameters, RtpParameters, TrackSource } from '@plaza/protocol';
import type { types as ms } from 'mediasoup';
import { PlazaError } from '../errors.js';
import type { Call } from './Call.js';
import { CallParticipant } from './CallParticipant.js';
import { mediaOp } from './mediaErrors.js';

/*
 * The media requests of one participant. Every id a client sends is looked up among the
 * participant's own objects (or, for consuming, the call's tracks), so another participant's or
 * another call's id answers MEDIA_NOT_FOUND. Objects created by a request that finishes after the
 * participant left are closed at once.
 */

function requireMedia(participant: CallParticipant): void {
  if (!participant.hasMedia) {
    throw new PlazaError(ErrorCode.MEDIA_UNAVAILABLE, 'your media path is being rebuilt; send call:join with your participant id');
  }
}

function ownTransport(participant: CallParticipant, transportId: string, which?: 'send' | 'recv'): ms.WebRtcTransport {
  requireMedia(participant);
  const transport = which === 'send' ? participant.sendTransport : which === 'recv' ? participant.recvTransport : null;
  const found = which ? (transport?.id === transportId ? transport : null) : participant.ownsTransport(transportId);
  if (!found) throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, `no ${which === 'send' ? 'send ' : which === 'recv' ? 'receive ' : ''}transport ${transportId} of yours in this call`);
  return found;
}

function ownTrack(participant: CallParticipant, trackId: string) {
  const track = participant.tracks.get(trackId);
  if (!track) throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, `no track ${trackId} of yours in this call`);
  return track;
}

/** `call:connectTransport`. */
export async function connectTransport(participant: CallParticipant, req: CallRequestPayloads['call:connectTransport']): Promise<void> {
  const transport = ownTransport(participant, req.transportId);
  await mediaOp('connecting the transport', () => transport.connect({ dtlsParameters: req.dtlsParameters as ms.DtlsParameters }));
}

/** `call:restartIce`. */
export async function restartIce(participant: CallParticipant, req: CallRequestPayloads['call:restartIce']): Promise<IceParameters> {
  const transport = ownTransport(participant, req.transportId);
  return mediaOp('restarting ICE', () => transport.restartIce());
}

/** `call:produce`: one track per source, of the source's kind, on the send transport. */
export async function produce(call: Call, participant: CallParticipant, req: CallRequestPayloads['call:produce']): Promise<string> {
  const transport = ownTransport(participant, req.transportId, 'send');
  if (sourceKind[req.source] !== req.kind) {
    throw new PlazaError(ErrorCode.INVALID_REQUEST, `${req.source} carries ${sourceKind[req.source]}, not ${req.kind}`, {
      details: { issues: [{ path: ['kind'], message: `expected ${sourceKind[req.source]}` }] },
    });
  }
  const foreign = req.rtpParameters.codecs.find((c) => !c.mimeType.toLowerCase().startsWith(`${req.kind}/`));
  if (foreign) {
    throw new PlazaError(ErrorCode.MEDIA_INCOMPATIBLE, `publishing the track: codec ${foreign.mimeType} is not ${req.kind}`);
  }
  if (participant.trackOf(req.source) || participant.producing.has(req.source)) {
    throw new PlazaError(ErrorCode.CONFLICT, `you already publish ${req.source}; unpublish it first`);
  }
  participant.producing.add(req.source);
  let producer: ms.Producer;
  try {
    producer = await mediaOp('publishing the track', () =>
      transport.produce({
        kind: req.kind,
        rtpParameters: req.rtpParameters as ms.RtpParameters,
        paused: req.paused ?? false,
        appData: { participantId: participant.id, source: req.source },
      }),
    );
  } finally {
    participant.producing.delete(req.source);
  }
  if (participant.gone || transport.closed) {
    producer.close();
    throw new PlazaError(ErrorCode.PARTICIPANT_NOT_FOUND, 'you left the call');
  }
  await addTrack(call, participant, producer, req.source);
  return producer.id;
}

/**
 * Makes a new producer one of `participant`'s tracks: its RTP scores feed connection quality,
 * audio feeds the router's level observer, and the other participants hear of it.
 */
export async function addTrack(call: Call, participant: CallParticipant, producer: ms.Producer, source: TrackSource): Promise<void> {
  const track = { producer, source, mutedBy: null };
  participant.tracks.set(producer.id, track);
  producer.on('score', (scores: ms.ProducerScore[]) => {
    if (scores.length > 0) call.recordScore(participant, producer.id, Math.max(...scores.map((s) => s.score)));
  });
  producer.observer.once('close', () => {
    participant.tracks.delete(producer.id);
    participant.scores.delete(producer.id);
  });
  await participant.router?.observeAudio(producer);
  call.toCall(participant.socketId).emit('call:trackPublished', { callId: call.id, participantId: participant.id, track: CallParticipant.trackInfo(producer.id, track) });
}

/** `call:unpublish`: closes the producer; consumers of it are closed (and told) by mediasoup's `producerclose`. */
export function unpublish(call: Call, participant: CallParticipant, req: CallRequestPayloads['call:unpublish']): void {
  const track = ownTrack(participant, req.trackId);
  participant.tracks.delete(req.trackId);
  track.producer.close();
  call.toCall(participant.socketId).emit('call:trackUnpublished', { callId: call.id, participantId: participant.id, trackId: req.trackId });
}

/**
 * Pauses (mutes) or resumes (unmutes) a track and tells every participant. `mutedBy` is the
 * moderator's user id, or `null` for the publisher itself.
 */
export async function setMuted(call: Call, participant: CallParticipant, trackId: string, muted: boolean, mutedBy: string | null): Promise<CallTrack> {
  const track = ownTrack(participant, trackId);
  await mediaOp(muted ? 'muting the track' : 'unmuting the track', () => (muted ? track.producer.pause() : track.producer.resume()));
  track.mutedBy = muted ? mutedBy : null;
  const info = CallParticipant.trackInfo(trackId, track);
  call.toCall().emit('call:trackUpdated', { callId: call.id, participantId: participant.id, track: info, mutedBy: track.mutedBy });
  return info;
}

/**
 * `call:consume`: a paused consumer on the receive transport, piping the producer over from
 * another router when needed. A participant holds one consumer per track: a second `consume` of
 * the same track replaces the first (which is closed and reported with `call:consumerClosed`).
 */
export async function consume(call: Call, participant: CallParticipant, req: CallRequestPayloads['call:consume']): Promise<ConsumerOptions> {
  if (!participant.grants.canSubscribe) throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'your token does not allow receiving media (canSubscribe)');
  requireMedia(participant);
  const transport = participant.recvTransport;
  const router = participant.router;
  if (!transport || !router) throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'you have no receive transport');
  const found = call.findTrack(req.trackId);
  const track = found?.participant.tracks.get(req.trackId);
  if (!found || !track) throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, `no track ${req.trackId} in this call`);
  await mediaOp('reaching the track', () => router.ensureProducer(found.router, req.trackId));
  const rtpCapabilities = req.rtpCapabilities as ms.RtpCapabilities;
  let canConsume = false;
  try {
    canConsume = router.router.canConsume({ producerId: req.trackId, rtpCapabilities });
  } catch {
    canConsume = false;
  }
  if (!canConsume) throw new PlazaError(ErrorCode.MEDIA_INCOMPATIBLE, `your device cannot receive ${track.source} (${track.producer.rtpParameters.codecs[0]?.mimeType ?? 'unknown codec'})`);
  const consumer = await mediaOp('receiving the track', () => transport.consume({ producerId: req.trackId, rtpCapabilities, paused: true }));
  if (participant.gone || transport.closed) {
    consumer.close();
    throw new PlazaError(ErrorCode.PARTICIPANT_NOT_FOUND, 'you left the call');
  }
  // One consumer per track: consuming again (after a client-side failure) replaces the old one.
  for (const [id, entry] of participant.consumers) {
    if (entry.trackId !== req.trackId) continue;
    participant.consumers.delete(id);
    entry.consumer.close();
    call.toParticipant(participant)?.emit('call:consumerClosed', { callId: call.id, consumerId: id });
  }
  participant.consumers.set(consumer.id, { consumer, trackId: req.trackId });
  const forget = () => {
    participant.consumers.delete(consumer.id);
    participant.scores.delete(consumer.id);
  };
  consumer.observer.once('close', forget);
  consumer.on('producerclose', () => {
    forget();
    call.toParticipant(participant)?.emit('call:consumerClosed', { callId: call.id, consumerId: consumer.id });
  });
  consumer.on('score', (score: ms.ConsumerScore) => call.recordScore(participant, consumer.id, score.score));
  return {
    id: consumer.id,
    trackId: req.trackId,
    participantId: found.participant.id,
    kind: consumer.kind,
    source: track.source,
    rtpParameters: consumer.rtpParameters as RtpParameters,
    producerPaused: consumer.producerPaused,
  };
}

function ownConsumer(participant: CallParticipant, consumerId: string): ms.Consumer {
  const entry = participant.consumers.get(consumerId);
  if (!entry) throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, `no consumer ${consumerId} of yours in this call`);
  return entry.consumer;
}

/** `call:setConsumerPaused`. */
export async function setConsumerPaused(participant: CallParticipant, req: CallRequestPayloads['call:setConsumerPaused']): Promise<void> {
  const consumer = ownConsumer(participant, req.consumerId);
  await mediaOp(req.paused ? 'pausing the consumer' : 'resuming the consumer', () => (req.paused ? consumer.pause() : consumer.resume()));
}

/** `call:setConsumerLayers`: the simulcast/SVC layer to receive; a no-op for single-layer consumers. */
export async function setConsumerLayers(participant: CallParticipant, req: CallRequestPayloads['call:setConsumerLayers']): Promise<void> {
  const consumer = ownConsumer(participant, req.consumerId);
  if (consumer.type !== 'simulcast' && consumer.type !== 'svc') return;
  const layers = req.temporalLayer === undefined ? { spatialLayer: req.spatialLayer } : { spatialLayer: req.spatialLayer, temporalLayer: req.temporalLayer };
  await mediaOp('choosing the layer', () => consumer.setPreferredLayers(layers));
}

/** `call:produceData`: one data producer per participant, on the send transport. */
export async function produceData(call: Call, participant: CallParticipant, req: CallRequestPayloads['call:produceData']): Promise<string> {
  const transport = ownTransport(participant, req.transportId, 'send');
  if (participant.dataProducer || participant.producingData) throw new PlazaError(ErrorCode.CONFLICT, 'you already have a data channel open');
  participant.producingData = true;
  let dataProducer: ms.DataProducer;
  try {
    dataProducer = await mediaOp('opening the data channel', () =>
      transport.produceData({
        sctpStreamParameters: req.sctpStreamParameters as ms.SctpStreamParameters,
        label: req.label ?? '',
        protocol: req.protocol ?? '',
        appData: { participantId: participant.id },
      }),
    );
  } finally {
    participant.producingData = false;
  }
  if (participant.gone || transport.closed) {
    dataProducer.close();
    throw new PlazaError(ErrorCode.PARTICIPANT_NOT_FOUND, 'you left the call');
  }
  participant.dataProducer = dataProducer;
  dataProducer.observer.once('close', () => {
    if (participant.dataProducer === dataProducer) participant.dataProducer = null;
  });
  call.toCall(participant.socketId).emit('call:dataPublished', { callId: call.id, participantId: participant.id, dataProducerId: dataProducer.id, label: dataProducer.label });
  return dataProducer.id;
}

/** `call:consumeData`: another participant's data channel on the receive transport. */
export async function consumeData(call: Call, participant: CallParticipant, req: CallRequestPayloads['call:consumeData']): Promise<DataConsumerOptions> {
  if (!participant.grants.canSubscribe) throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'your token does not allow receiving from others (canSubscribe)');
  requireMedia(participant);
  const transport = participant.recvTransport;
  const router = participant.router;
  if (!transport || !router) throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'you have no receive transport');
  const found = call.findDataProducer(req.dataProducerId);
  if (!found) throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, `no data channel ${req.dataProducerId} in this call`);
  await mediaOp('reaching the data channel', () => router.ensureDataProducer(found.router, req.dataProducerId));
  const dataConsumer = await mediaOp('receiving the data channel', () => transport.consumeData({ dataProducerId: req.dataProducerId }));
  if (participant.gone || transport.closed) {
    dataConsumer.close();
    throw new PlazaError(ErrorCode.PARTICIPANT_NOT_FOUND, 'you left the call');
  }
  // One data consumer per data channel, as for tracks.
  for (const [id, existing] of participant.dataConsumers) {
    if (existing.dataProducerId !== req.dataProducerId) continue;
    participant.dataConsumers.delete(id);
    existing.close();
    call.toParticipant(participant)?.emit('call:consumerClosed', { callId: call.id, consumerId: id });
  }
  participant.dataConsumers.set(dataConsumer.id, dataConsumer);
  dataConsumer.observer.once('close', () => participant.dataConsumers.delete(dataConsumer.id));
  dataConsumer.on('dataproducerclose', () => {
    participant.dataConsumers.delete(dataConsumer.id);
    call.toParticipant(participant)?.emit('call:consumerClosed', { callId: call.id, consumerId: dataConsumer.id });
  });
  const sctp = dataConsumer.sctpStreamParameters;
  return {
    id: dataConsumer.id,
    dataProducerId: req.dataProducerId,
    participantId: found.participant.id,
    sctpStreamParameters: { streamId: sctp?.streamId ?? 0, ...(sctp?.ordered === undefined ? {} : { ordered: sctp.ordered }), ...(sctp?.maxPacketLifeTime === undefined ? {} : { maxPacketLifeTime: sctp.maxPacketLifeTime }), ...(sctp?.maxRetransmits === undefined ? {} : { maxRetransmits: sctp.maxRetransmits }) },
    label: dataConsumer.label,
    protocol: dataConsumer.protocol,
  };
}
