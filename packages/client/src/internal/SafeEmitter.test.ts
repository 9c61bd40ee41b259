import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { SafeEmitter } from './SafeEmitter.js';

type Events = { ping: [n: number] };

function setup() {
  const logged: string[] = [];
  const logger = createLogger('debug', (level, message) => logged.push(`${level}:${message}`));
  return { emitter: new SafeEmitter<Events>('test', () => logger), logged };
}

describe('SafeEmitter', () => {
  it('a throwing listener is logged and the other listeners still run', () => {
    const { emitter, logged } = setup();
    const seen: number[] = [];
    emitter.on('ping', () => {
      throw new Error('bad listener');
    });
    emitter.on('ping', (n) => seen.push(n));
    expect(() => emitter.emit('ping', 1)).not.toThrow();
    expect(seen).toEqual([1]);
    expect(logged).toEqual(['warn:an event listener threw']);
  });

  it('off() removes a listener added with on() or once()', () => {
    const { emitter } = setup();
    const seen: number[] = [];
    const fn = (n: number) => seen.push(n);
    emitter.on('ping', fn);
    emitter.off('ping', fn);
    emitter.once('ping', fn);
    emitter.removeListener('ping', fn);
    emitter.emit('ping', 1);
    expect(seen).toEqual([]);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('once() listeners run once', () => {
    const { emitter } = setup();
    const seen: number[] = [];
    emitter.once('ping', (n) => seen.push(n));
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    expect(seen).toEqual([1]);
  });
});
