import type { Department } from '@plaza/protocol';
import type { DeskMessage } from '../storage/RequestRecords.js';
import { describeNextOpening, isOpen, nextOpening } from './openingHours.js';

/*
 * What the desk tells the citizen in the conversation, and when a department's first-response SLA
 * runs out (counted from its next opening when it is closed).
 */

/** The sender of the desk's notices in a request's conversation. */
export const DESK_SENDER_ID = 'system:desk';

/** A desk notice: a system message by {@link DESK_SENDER_ID}. */
export function notice(text: string): DeskMessage {
  return { senderId: DESK_SENDER_ID, kind: 'system', text, clientId: null };
}

/** Where a department stands at an instant: the SLA due time and, when closed, the notice saying when it opens. */
export interface QueueEntry {
  /** When the first-response SLA runs out, or `null` (no SLA, or closed with no opening ahead). */
  slaDueAt: string | null;
  /** The notice for the citizen when the department is closed now, else `null`. */
  closedNotice: DeskMessage | null;
}

/**
 * The SLA due time and closed notice of a request entering `department`'s queue at `at`.
 *
 * @param department - the department whose queue it enters
 * @param at - when it enters it
 */
export function queueEntry(department: Department, at: Date): QueueEntry {
  const hours = department.openingHours;
  let start: Date | null = at;
  let closedNotice: DeskMessage | null = null;
  if (hours && !isOpen(hours, at)) {
    start = nextOpening(hours, at);
    const opens = describeNextOpening(hours, at);
    closedNotice = notice(
      opens === null
        ? `${department.name} is closed now and has no opening hours ahead; an agent will answer when it reopens.`
        : `${department.name} is closed now; it opens ${opens}.`,
    );
  }
  const sla = department.firstResponseSlaSec;
  const slaDueAt = sla === null || start === null ? null : new Date(start.getTime() + sla * 1000).toISOString();
  return { slaDueAt, closedNotice };
}

/** The notice of each change, for the citizen. */
export const noticeText = {
  opened: (department: Department) => `Your request is with ${department.name}.`,
  claimed: (agentName: string, department: Department) => `${agentName} of ${department.name} is now handling your request.`,
  transferred: (department: Department) => `Your request was passed to ${department.name}.`,
  onHold: (note: string | undefined) => (note ? `Your request is on hold: ${note}` : 'Your request is on hold.'),
  resumed: () => 'Work on your request has resumed.',
  resolved: (resolution: string | undefined) => (resolution ? `Your request was resolved: ${resolution}` : 'Your request was resolved.'),
  reopened: (department: Department, reason: string | undefined) =>
    `Your request was reopened and is back with ${department.name}.${reason ? ` Reason: ${reason}` : ''}`,
} as const;
