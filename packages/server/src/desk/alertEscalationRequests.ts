import type { SignalingContext } from '../signaling/context.js';
import type { EscalationRequests } from './AlertEscalator.js';
import { escalationClientId, escalationDescription } from './AlertEscalator.js';
import { ALERT_SYSTEM_USER } from './AlertService.js';
import { openRequest } from './requestService.js';

/** The topic id of the requests escalated alerts open (not a topic of the directory). */
export const ALERT_ESCALATION_TOPIC = 'alert';

/** `text` cut to at most `maxBytes` of UTF-8 (never inside a character). */
function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  // A cut inside a multi-byte character decodes to U+FFFD at the end: drop it.
  return Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8').replace(/\uFFFD+$/u, '');
}

/**
 * {@link EscalationRequests} through the desk's request service: the request is opened by
 * `system:alerts` in the escalation department's queue with the usual live effects (the
 * department's agents get `request:updated`), idempotent per alert. The description is cut to the
 * server's message size limit (an alert's body may be longer than a message may be).
 *
 * @param server - the server the requests are opened on
 */
export function deskEscalationRequests(server: SignalingContext): EscalationRequests {
  return {
    async openEscalationRequest(alert, departmentId) {
      const { request } = await openRequest(
        server,
        { actorId: ALERT_SYSTEM_USER, ip: null },
        { topicId: ALERT_ESCALATION_TOPIC, description: fitBytes(escalationDescription(alert), server.limits.maxTextBytes), clientId: escalationClientId(alert), departmentId },
      );
      return request.conversationId;
    },
  };
}
