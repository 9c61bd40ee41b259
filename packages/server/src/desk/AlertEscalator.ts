import { runPeriodically } from '../periodic.js';
import { ErrorCode } from '@plaza/protocol';
import type { Alert } from '@plaza/protocol';
import type { Logger } from 'pino';
import { PlazaError } from '../errors.js';
import type { SignalingContext } from '../signaling/context.js';
import { conversationRoom } from '../signaling/context.js';

/** Alerts escalated per store round trip of a sweep. */
const ESCALATION_BATCH = 50;

/**
 * Opens the request an escalation puts into a department's queue (the desk's request service
 * implements it): citizen `system:alerts`, topic `alert`, the alert's title and body as the
 * description, idempotent per alert (a retry after a crash answers the same request).
 */
export interface EscalationRequests {
  /**
   * Opens (or finds, when opened before for this alert) the escalation request and answers its
   * conversation id. Throws `DEPARTMENT_NOT_FOUND` when the department is gone.
   */
  openEscalationRequest(alert: Alert, departmentId: string): Promise<string>;
}

/** The idempotency key of an alert's escalation request. */
export function escalationClientId(alert: Alert): string {
  return `alert-${alert.id}`.slice(0, 64);
}

/** The description of an alert's escalation request. */
export function escalationDescription(alert: Alert): string {
  const head = `Unacknowledged ${alert.severity} alert from ${alert.source}: ${alert.title}`;
  return (alert.body.length > 0 ? `${head}\n\n${alert.body}` : head).slice(0, 4000);
}

/**
 * Escalates alerts nobody acknowledged by their deadline, each once: opens a request in the
 * channel's escalation department (when it has one), marks the alert escalated with
 * `alert.escalated`, announces `alert:updated` to the channel's room and audits `alert.escalated`.
 */
export class AlertEscalator {
  readonly #server: SignalingContext;
  readonly #requests: EscalationRequests | null;
  readonly #logger: Logger;

  /**
   * @param server - store, socket.io and auditor
   * @param requests - opens escalation requests; `null` escalates without a request (event only)
   * @param logger - where failures are logged
   */
  constructor(server: SignalingContext, requests: EscalationRequests | null, logger: Logger) {
    this.#server = server;
    this.#requests = requests;
    this.#logger = logger.child({ component: 'alerts' });
  }

  /** Escalates every alert due by `now`; answers those escalated by this run. */
  async escalateDue(now: Date = new Date()): Promise<Alert[]> {
    const escalated: Alert[] = [];
    const failed = new Set<string>();
    for (;;) {
      const due = (await this.#server.store.alerts.dueForEscalation(now.toISOString(), ESCALATION_BATCH + failed.size)).filter(
        (d) => !failed.has(d.alert.id),
      );
      if (due.length === 0) break;
      for (const { alert, escalationDepartmentId } of due) {
        try {
          const result = await this.#escalate(alert, escalationDepartmentId);
          if (result) escalated.push(result);
        } catch (error) {
          // Left for the next run (the request is idempotent per alert, so a retry opens no second one).
          failed.add(alert.id);
          this.#logger.warn({ err: error, alertId: alert.id }, 'alert escalation failed; retrying on the next sweep');
        }
      }
    }
    return escalated;
  }

  async #escalate(due: Alert, departmentId: string | null): Promise<Alert | null> {
    // Acknowledged (or escalated) since the query: nothing to do.
    const alert = await this.#server.store.alerts.get(due.id);
    if (!alert || alert.acknowledgements.length > 0 || alert.escalatedAt !== null) return null;
    let requestId: string | null = null;
    let department = departmentId;
    if (department !== null) {
      if (this.#requests) {
        try {
          requestId = await this.#requests.openEscalationRequest(alert, department);
        } catch (error) {
          if (!(error instanceof PlazaError && error.code === ErrorCode.DEPARTMENT_NOT_FOUND)) throw error;
          this.#logger.warn({ alertId: alert.id, departmentId: department }, 'escalation department is gone; alert escalated without a request');
          department = null;
        }
      } else {
        this.#logger.warn({ alertId: alert.id, departmentId: department }, 'no request service to escalate to; alert escalated without a request');
      }
    }
    const { alert: marked, changed } = await this.#server.store.alerts.markEscalated(alert.id, { departmentId: department, requestId });
    if (!changed) return null;
    this.#server.auditor.record({
      action: 'alert.escalated',
      target: marked.id,
      details: { channelId: marked.channelId, departmentId: department, requestId },
    });
    this.#server.io.to(conversationRoom(marked.conversationId)).emit('alert:updated', marked);
    return marked;
  }

  /**
   * Runs {@link escalateDue} every `intervalSec` seconds (a run never overlaps the previous one;
   * the timer does not keep the process alive). Returns a function that stops it.
   *
   * @param intervalSec - seconds between runs
   */
  start(intervalSec: number): () => void {
    return runPeriodically(
      intervalSec * 1000,
      async () => {
        const escalated = await this.escalateDue();
        if (escalated.length > 0) this.#logger.info({ escalated: escalated.length }, 'unacknowledged alerts escalated');
      },
      (error) => this.#logger.warn({ err: error }, 'alert escalation sweep failed'),
    );
  }
}
