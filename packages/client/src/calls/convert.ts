import type { DtlsParameters, IceServer, RtpCapabilities, RtpParameters, SctpStreamParameters, TransportOptions } from '@plaza/protocol';
import type { types as ms } from 'mediasoup-client';

/*
 * The one place where Plaza's wire types (`@plaza/protocol` media.ts) and mediasoup-client's own
 * types meet. They describe the same data but differ in detail (optional vs required fields, string
 * vs string unions, `address` on ICE candidates, SCTP message sizes), so every value crossing
 * between the signaling and the device goes through these functions.
 */

type CodecParameters = Record<string, string | number>;

/** Keeps the codec parameters the wire accepts (strings and numbers); booleans become 0/1. */
function toWireCodecParameters(parameters: Record<string, unknown> | undefined): CodecParameters | undefined {
  if (!parameters) return undefined;
  const out: CodecParameters = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
    else if (typeof value === 'boolean') out[key] = value ? 1 : 0;
  }
  return out;
}

/** Router capabilities from `call:join` → what `Device.load()` takes. */
export function toClientRtpCapabilities(caps: RtpCapabilities): ms.RtpCapabilities {
  return {
    codecs: (caps.codecs ?? []).map((c) => ({
      kind: c.kind,
      mimeType: c.mimeType,
      preferredPayloadType: c.preferredPayloadType ?? 0,
      clockRate: c.clockRate,
      ...(c.channels !== undefined ? { channels: c.channels } : {}),
      parameters: { ...(c.parameters ?? {}) },
      rtcpFeedback: (c.rtcpFeedback ?? []).map((f) => ({ type: f.type, parameter: f.parameter ?? '' })),
    })),
    headerExtensions: (caps.headerExtensions ?? [])
      .filter((h): h is typeof h & { kind: 'audio' | 'video' } => h.kind === 'audio' || h.kind === 'video')
      .map((h) => ({
        kind: h.kind,
        uri: h.uri as ms.RtpHeaderExtensionUri,
        preferredId: h.preferredId,
        ...(h.preferredEncrypt !== undefined ? { preferredEncrypt: h.preferredEncrypt } : {}),
        ...(h.direction !== undefined ? { direction: h.direction } : {}),
      })),
  };
}

/** The device's receive capabilities → `call:consume`'s `rtpCapabilities`. */
export function toWireRtpCapabilities(caps: ms.RtpCapabilities): RtpCapabilities {
  return {
    codecs: (caps.codecs ?? []).map((c) => ({
      kind: c.kind,
      mimeType: c.mimeType,
      preferredPayloadType: c.preferredPayloadType,
      clockRate: c.clockRate,
      ...(c.channels !== undefined ? { channels: c.channels } : {}),
      ...(c.parameters ? { parameters: toWireCodecParameters(c.parameters) } : {}),
      ...(c.rtcpFeedback ? { rtcpFeedback: c.rtcpFeedback.map((f) => ({ type: f.type, ...(f.parameter ? { parameter: f.parameter } : {}) })) } : {}),
    })),
    headerExtensions: (caps.headerExtensions ?? []).map((h) => ({
      kind: h.kind,
      uri: h.uri,
      preferredId: h.preferredId,
      ...(h.preferredEncrypt !== undefined ? { preferredEncrypt: h.preferredEncrypt } : {}),
      ...(h.direction !== undefined ? { direction: h.direction } : {}),
    })),
  };
}

/** A producer's RTP parameters from the transport's 'produce' event → `call:produce`. */
export function toWireRtpParameters(p: ms.RtpParameters): RtpParameters {
  return {
    ...(p.mid !== undefined ? { mid: p.mid } : {}),
    codecs: p.codecs.map((c) => ({
      mimeType: c.mimeType,
      payloadType: c.payloadType,
      clockRate: c.clockRate,
      ...(c.channels !== undefined ? { channels: c.channels } : {}),
      ...(c.parameters ? { parameters: toWireCodecParameters(c.parameters) } : {}),
      ...(c.rtcpFeedback ? { rtcpFeedback: c.rtcpFeedback.map((f) => ({ type: f.type, ...(f.parameter ? { parameter: f.parameter } : {}) })) } : {}),
    })),
    ...(p.headerExtensions
      ? {
          headerExtensions: p.headerExtensions.map((h) => ({
            uri: h.uri,
            id: h.id,
            ...(h.encrypt !== undefined ? { encrypt: h.encrypt } : {}),
            ...(h.parameters ? { parameters: toWireCodecParameters(h.parameters) } : {}),
          })),
        }
      : {}),
    // mediasoup-client always fills them in for a producer; the server refuses none.
    encodings: (p.encodings ?? []).map((e) => {
      const { active: _active, ...rest } = e;
      return rest;
    }),
    ...(p.rtcp ? { rtcp: { ...p.rtcp } } : {}),
  };
}

/** A consumer's RTP parameters from `call:consume` → `recvTransport.consume()`. */
export function toClientRtpParameters(p: RtpParameters): ms.RtpParameters {
  return {
    ...(p.mid !== undefined ? { mid: p.mid } : {}),
    codecs: p.codecs.map((c) => ({
      mimeType: c.mimeType,
      payloadType: c.payloadType,
      clockRate: c.clockRate,
      ...(c.channels !== undefined ? { channels: c.channels } : {}),
      parameters: { ...(c.parameters ?? {}) },
      rtcpFeedback: (c.rtcpFeedback ?? []).map((f) => ({ type: f.type, parameter: f.parameter ?? '' })),
    })),
    headerExtensions: (p.headerExtensions ?? []).map((h) => ({
      uri: h.uri as ms.RtpHeaderExtensionUri,
      id: h.id,
      ...(h.encrypt !== undefined ? { encrypt: h.encrypt } : {}),
      parameters: { ...(h.parameters ?? {}) },
    })),
    encodings: (p.encodings ?? []).map((e) => ({ ...e })),
    rtcp: { ...(p.rtcp ?? {}) },
  };
}

/** DTLS parameters from the transport's 'connect' event → `call:connectTransport`. */
export function toWireDtlsParameters(d: ms.DtlsParameters): DtlsParameters {
  return {
    ...(d.role !== undefined ? { role: d.role } : {}),
    fingerprints: d.fingerprints.map((f) => ({ algorithm: f.algorithm, value: f.value })),
  };
}

/** SCTP stream parameters from the transport's 'producedata' event → `call:produceData`. */
export function toWireSctpStreamParameters(s: ms.SctpStreamParameters): SctpStreamParameters {
  return {
    streamId: s.streamId ?? 0,
    ...(s.ordered !== undefined ? { ordered: s.ordered } : {}),
    ...(s.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: s.maxPacketLifeTime } : {}),
    ...(s.maxRetransmits !== undefined ? { maxRetransmits: s.maxRetransmits } : {}),
  };
}

/** SCTP stream parameters from `call:consumeData` → `recvTransport.consumeData()`. */
export function toClientSctpStreamParameters(s: SctpStreamParameters): ms.SctpStreamParameters {
  return { ...s };
}

/** A server transport from `CallJoined` → `device.create{Send,Recv}Transport()` options. */
export function toClientTransportOptions(t: TransportOptions, iceServers: IceServer[]): ms.TransportOptions {
  return {
    id: t.id,
    iceParameters: { ...t.iceParameters },
    iceCandidates: t.iceCandidates.map((c) => ({
      foundation: c.foundation,
      priority: c.priority,
      address: c.ip,
      ip: c.ip,
      protocol: c.protocol,
      port: c.port,
      type: c.type,
      ...(c.tcpType !== undefined ? { tcpType: c.tcpType } : {}),
    })),
    dtlsParameters: toClientDtls(t.dtlsParameters),
    ...(t.sctpParameters
      ? {
          sctpParameters: {
            port: t.sctpParameters.port,
            OS: t.sctpParameters.OS,
            MIS: t.sctpParameters.MIS,
            maxMessageSize: t.sctpParameters.maxMessageSize,
            maxSendMessageSize: t.sctpParameters.maxMessageSize,
            maxReceiveMessageSize: t.sctpParameters.maxMessageSize,
          },
        }
      : {}),
    ...(iceServers.length > 0 ? { iceServers: iceServers.map((s) => ({ ...s })) } : {}),
  };
}

function toClientDtls(d: DtlsParameters): ms.DtlsParameters {
  return { ...(d.role !== undefined ? { role: d.role } : {}), fingerprints: d.fingerprints.map((f) => ({ ...f })) };
}
