import type { CitizenRequest, RequestChange } from '@plaza/protocol';
import { departmentName, personName } from '../city.js';

/** A request's status in words, for the person looking at it. */
export function statusText(request: CitizenRequest, viewer: 'citizen' | 'agent'): string {
  const department = departmentName(request.departmentId);
  switch (request.status) {
    case 'queued':
      return `Waiting for an agent of ${department}`;
    case 'claimed':
      return viewer === 'citizen' ? `${department} is working on it` : `Claimed by ${personName(request.assigneeId ?? '')} (${department})`;
    case 'on_hold':
      return `On hold at ${department}`;
    case 'resolved':
      return 'Resolved';
  }
}

/** A one-line announcement of a change, or null when it is not worth interrupting for. */
export function changeText(change: RequestChange, viewer: 'citizen' | 'agent', topic: string): string | null {
  const department = departmentName(change.request.departmentId);
  const subject = viewer === 'citizen' ? `Your request “${topic}”` : `Request “${topic}”`;
  switch (change.change) {
    case 'opened':
      return viewer === 'citizen' ? `${subject} was sent to ${department}.` : `New request in the queue: ${topic}.`;
    case 'claimed':
      return viewer === 'citizen' ? `${subject} is being handled by ${department}.` : `${subject} was claimed by ${personName(change.actorId ?? '')}.`;
    case 'transferred':
      return `${subject} was passed to ${department}.`;
    case 'on_hold':
      return `${subject} is on hold.`;
    case 'resumed':
      return `${subject} is being worked on again.`;
    case 'resolved':
      return `${subject} was resolved.`;
    case 'reopened':
      return `${subject} was reopened.`;
    case 'sla_missed':
      return viewer === 'agent' ? `${subject} missed its first-response time.` : null;
  }
}
