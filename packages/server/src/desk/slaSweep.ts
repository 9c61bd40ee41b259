import { runPeriodically } from '../periodic.js';
import type { Logger } from 'pino';
import type { SignalingContext } from '../signaling/context.js';
import { nowIso } from '../storage/ids.js';
import { auditChange, emitRequestUpdated } from './requestEffects.js';

/** Most requests one transaction of the SLA sweep marks. */
export const SLA_SWEEP_BATCH = 100;

/**
 * Marks every open request whose first-response SLA ran out by `now` and that nobody answered as
 * missed (`request.sla_missed` event, history entry), then tells its department's agents and its
 * assignee (`request:updated`, not the citizen) and audits it.
 *
 * @param server - the signaling context
 * @param now - the current time (tests may pass their own)
 * @returns how many requests were marked
 */
export async function sweepSlaMisses(server: SignalingContext, now: Date = new Date()): Promise<number> {
  let marked = 0;
  for (;;) {
    const missed = await server.store.requests.markSlaMissed(now.toISOString(), SLA_SWEEP_BATCH);
    for (const request of missed) {
      emitRequestUpdated(server, 'sla_missed', request, { actorId: null, citizen: false });
      auditChange(server, null, 'sla_missed', request, { slaDueAt: request.slaDueAt, checkedAt: nowIso() });
    }
    marked += missed.length;
    if (missed.length < SLA_SWEEP_BATCH) return marked;
  }
}

/**
 * Runs {@link sweepSlaMisses} every `intervalSec` seconds (`deskSweepIntervalSec`; a run never
 * overlaps the previous one). The timer does not keep the process alive. Returns a function that
 * stops it.
 *
 * @param server - the signaling context
 * @param intervalSec - seconds between runs
 * @param logger - where misses and failures are logged
 */
export function startSlaSweeps(server: SignalingContext, intervalSec: number, logger: Logger): () => void {
  return runPeriodically(
    intervalSec * 1000,
    async () => {
      const marked = await sweepSlaMisses(server);
      if (marked > 0) logger.info({ component: 'desk', marked }, 'first-response SLA missed');
    },
    (error) => logger.warn({ component: 'desk', err: error }, 'SLA sweep failed'),
  );
}
