import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { PlazaClient } from '../PlazaClient.js';

/** A client that never connected: arguments are checked before the connection is. */
const plaza = () => new PlazaClient('http://127.0.0.1:9', { logger: silentLogger });

describe('desk methods check their arguments at once', () => {
  it('requests.open() refuses a bad topic, description, location, photos, clientId or onProgress with a TypeError', () => {
    const { requests } = plaza();
    const ok = { topicId: 'street-light', description: 'The lamp is out' };
    expect(() => requests.open(undefined as never)).toThrow(TypeError);
    expect(() => requests.open({ ...ok, topicId: 'Street Light' })).toThrow(/topicId must be a slug/);
    expect(() => requests.open({ ...ok, description: '   ' })).toThrow(/description must not be empty/);
    expect(() => requests.open({ ...ok, description: 'x'.repeat(4001) })).toThrow(/at most 4000/);
    expect(() => requests.open({ ...ok, location: { lat: 91, lng: 0 } })).toThrow(/lat must be a number between -90 and 90/);
    expect(() => requests.open({ ...ok, location: { lat: 0, lng: Number.NaN } })).toThrow(/lng/);
    // Dropping an unknown key would hide the mistake: the request would open without it.
    expect(() => requests.open({ ...ok, location: { lat: 52.5, lng: 13.4, alt: 5 } as never })).toThrow(
      'options.location has unknown key "alt" (allowed: lat, lng, address)',
    );
    expect(() => requests.open({ ...ok, location: { lat: 52.5, lng: 13.4, latitude: 1, accuracy: 3 } as never })).toThrow(/unknown keys "latitude", "accuracy"/);
    expect(() => requests.open({ ...ok, photos: 'photo.jpg' as never })).toThrow(/photos must be an array/);
    expect(() => requests.open({ ...ok, photos: Array.from({ length: 11 }, () => new Uint8Array(1)) })).toThrow(/at most 10/);
    expect(() => requests.open({ ...ok, clientId: 'has space' })).toThrow(/clientId/);
    expect(() => requests.open({ ...ok, onProgress: 'no' as never })).toThrow(/onProgress must be a function/);
    expect(() => requests.mine('closed' as never)).toThrow(/status must be one of/);
    expect(() => requests.get('')).toThrow(/conversationId/);
    expect(() => requests.reopen('c_1', '')).toThrow(/reason must not be empty/);
  });

  it('desk methods refuse bad ids, views and notes with a TypeError', () => {
    const { desk } = plaza();
    expect(() => desk.queue('Public Lighting')).toThrow(/departmentId must be a slug/);
    expect(() => desk.queue('public-lighting', 'everything' as never)).toThrow(/view must be one of 'waiting', 'mine', 'all'/);
    expect(() => desk.watchQueue('public-lighting', 'nope' as never)).toThrow(TypeError);
    expect(() => desk.claim('c 1')).toThrow(/conversationId/);
    expect(() => desk.transfer('c_1', 'roads', ' ')).toThrow(/note must not be empty/);
    expect(() => desk.transfer('c_1', 'Roads!', 'pothole')).toThrow(/departmentId/);
    expect(() => desk.hold('c_1', 'x'.repeat(2001))).toThrow(/at most 2000/);
    expect(() => desk.resolve('c_1', 42 as never)).toThrow(/resolution must be a string/);
    expect(() => desk.reopen('', 'again')).toThrow(/conversationId/);
  });

  it('alerts methods refuse a bad channel, limit or alert id with a TypeError', () => {
    const { alerts } = plaza();
    expect(() => alerts.list({ channelId: 'Flooding North' })).toThrow(/channelId/);
    expect(() => alerts.list({ limit: 0 })).toThrow(/limit must be an integer between 1 and 200/);
    expect(() => alerts.list(null as never)).toThrow(/query must be an object/);
    expect(() => alerts.acknowledge('al 1')).toThrow(/alertId/);
  });

  it('valid calls before connect() throw InvalidStateError', () => {
    const { requests, desk, alerts } = plaza();
    expect(() => requests.topics()).toThrow(InvalidStateError);
    expect(() => requests.open({ topicId: 'street-light', description: 'The lamp is out' })).toThrow(InvalidStateError);
    expect(() => desk.myDepartments()).toThrow(InvalidStateError);
    expect(() => desk.watchQueue('public-lighting')).toThrow(InvalidStateError);
    expect(() => alerts.list()).toThrow(InvalidStateError);
  });
});
