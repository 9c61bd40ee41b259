import type { Alert, QueueItem, RequestChange } from '@plaza/protocol';
import type { PlazaError } from '../errors.js';

/** Events of the request manager (`plaza.requests`). */
export type RequestManagerEvents = {
  /**
   * A request the user may see changed: opened, claimed, transferred, put on hold, resumed,
   * resolved, reopened or its SLA missed. A citizen hears of their own requests (on every device;
   * not of SLA misses); an agent of the requests they work on and of their departments' queues.
   */
  requestUpdated: [change: RequestChange];
};

/** Events of a {@link LiveQueue}. */
export type LiveQueueEvents = {
  /** Requests entered, left or changed in the queue: `items` is the whole queue now, oldest first. */
  changed: [items: QueueItem[]];
  /**
   * The queue could not be brought up to date (after a reconnect, or to learn of a request that
   * entered it); `items` may be stale until the next successful refresh.
   */
  syncFailed: [error: PlazaError];
};

/** Events of the alert manager (`plaza.alerts`). */
export type AlertManagerEvents = {
  /** A new alert in a channel the user belongs to. */
  alert: [alert: Alert];
  /** An alert was acknowledged (by anyone) or escalated. */
  alertUpdated: [alert: Alert];
};
