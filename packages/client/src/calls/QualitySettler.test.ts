import type { ConnectionQuality } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Participant } from './Participant.js';
import { QUALITY_SETTLE_MS, QualitySettler } from './QualitySettler.js';
import { RemoteParticipant } from './RemoteParticipant.js';

/* The server's `call:quality` reports fed in as they arrived after a network blip. */

const person = (id: string) => new RemoteParticipant({ id, userId: `u_${id}`, name: id, joinedAt: '2026-01-01T00:00:00.000Z', tracks: [] });

function settler() {
  const events: string[] = [];
  const gone = new Set<Participant>();
  const s = new QualitySettler({
    emit: (quality, p) => events.push(`${p.id} ${quality}`),
    present: (p) => !gone.has(p),
  });
  return { s, events, gone };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('connection quality after a blip', () => {
  it('a burst of reports (lost, lost, excellent, excellent, lost, lost) becomes one event with where it settled', () => {
    const { s, events } = settler();
    const a = person('p_a');
    for (const q of ['lost', 'lost', 'excellent', 'excellent', 'lost', 'lost'] as ConnectionQuality[]) s.report(a, q);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(QUALITY_SETTLE_MS);
    expect(events).toEqual(['p_a lost']);
    expect(a.connectionQuality).toBe('lost');
  });

  it('a swing that comes back to the announced quality emits nothing; a report equal to it opens no window', () => {
    const { s, events } = settler();
    const a = person('p_a');
    s.report(a, 'good'); // the initial quality
    s.report(a, 'lost');
    s.report(a, 'good');
    vi.advanceTimersByTime(QUALITY_SETTLE_MS * 3);
    expect(events).toEqual([]);
    expect(a.connectionQuality).toBe('good');
  });

  it('participants settle independently; one who left meanwhile gets no event', () => {
    const { s, events, gone } = settler();
    const [a, b, c] = [person('p_a'), person('p_b'), person('p_c')];
    s.report(a, 'poor');
    s.report(b, 'excellent');
    s.report(c, 'lost');
    gone.add(c);
    vi.advanceTimersByTime(QUALITY_SETTLE_MS);
    expect(events).toEqual(['p_a poor', 'p_b excellent']);
    s.report(a, 'good');
    vi.advanceTimersByTime(QUALITY_SETTLE_MS);
    expect(events).toEqual(['p_a poor', 'p_b excellent', 'p_a good']);
  });

  it('dispose() drops pending changes', () => {
    const { s, events } = settler();
    s.report(person('p_a'), 'lost');
    s.dispose();
    vi.advanceTimersByTime(QUALITY_SETTLE_MS);
    expect(events).toEqual([]);
  });
});
