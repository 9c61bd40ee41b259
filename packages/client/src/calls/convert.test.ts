import { dtlsParametersSchema, rtpCapabilitiesSchema, rtpParametersSchema } from '@plaza/protocol';
import type { TransportOptions } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { toClientRtpCapabilities, toClientTransportOptions, toWireDtlsParameters, toWireRtpCapabilities, toWireRtpParameters } from './convert.js';

const serverTransport: TransportOptions = {
  id: 't1',
  iceParameters: { usernameFragment: 'u', password: 'p', iceLite: true },
  iceCandidates: [{ foundation: 'udpcandidate', priority: 1076302079, ip: '127.0.0.1', protocol: 'udp', port: 40001, type: 'host' }],
  dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') }] },
  sctpParameters: { port: 5000, OS: 1024, MIS: 1024, maxMessageSize: 262144 },
};

describe('protocol ↔ mediasoup-client conversion', () => {
  it('server transport options get the candidate address and SCTP message sizes mediasoup-client reads', () => {
    const o = toClientTransportOptions(serverTransport, [{ urls: 'stun:stun.example' }]);
    expect(o.iceCandidates[0]).toMatchObject({ address: '127.0.0.1', ip: '127.0.0.1', port: 40001 });
    expect(o.sctpParameters).toMatchObject({ port: 5000, maxSendMessageSize: 262144, maxReceiveMessageSize: 262144 });
    expect(o.iceServers).toEqual([{ urls: 'stun:stun.example' }]);
    expect(toClientTransportOptions({ ...serverTransport, sctpParameters: undefined }, []).iceServers).toBeUndefined();
  });

  it('producer RTP parameters become wire parameters the protocol schema accepts unchanged', () => {
    const wire = toWireRtpParameters({
      mid: '0',
      codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000, flag: true }, rtcpFeedback: [{ type: 'nack', parameter: '' }] }],
      headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1, encrypt: false, parameters: {} }],
      encodings: [{ active: true, rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150000 }],
      rtcp: { cname: 'abc', reducedSize: true },
    });
    expect(wire.encodings?.[0]).toEqual({ rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150000 });
    expect(wire.codecs[0]?.parameters).toEqual({ 'x-google-start-bitrate': 1000, flag: 1 });
    expect(wire.codecs[0]?.rtcpFeedback).toEqual([{ type: 'nack' }]);
    expect(rtpParametersSchema.parse(wire)).toEqual(wire);
  });

  it('router capabilities round-trip through the device types and stay valid on the wire', () => {
    const router = {
      codecs: [
        { kind: 'audio' as const, mimeType: 'audio/opus', preferredPayloadType: 100, clockRate: 48000, channels: 2, parameters: {}, rtcpFeedback: [{ type: 'transport-cc' }] },
        { kind: 'video' as const, mimeType: 'video/VP8', preferredPayloadType: 101, clockRate: 90000, rtcpFeedback: [{ type: 'nack', parameter: 'pli' }] },
      ],
      headerExtensions: [{ kind: 'video' as const, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1, direction: 'sendrecv' as const }],
    };
    const device = toClientRtpCapabilities(router);
    expect(device.codecs?.[1]?.rtcpFeedback).toEqual([{ type: 'nack', parameter: 'pli' }]);
    const wire = toWireRtpCapabilities(device);
    expect(rtpCapabilitiesSchema.parse(wire)).toEqual(wire);
    expect(wire.codecs?.map((c) => c.mimeType)).toEqual(['audio/opus', 'video/VP8']);
  });

  it('DTLS parameters from the transport are valid on the wire', () => {
    const wire = toWireDtlsParameters({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: serverTransport.dtlsParameters.fingerprints[0]!.value }] });
    expect(dtlsParametersSchema.parse(wire)).toEqual(wire);
  });
});
