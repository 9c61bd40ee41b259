import type { SignalingContext } from '../signaling/context.js';
import type { EscalationRequests } from './AlertEscalator.js';
import { escalationClientId, escalationDescription } from './AlertEscalator.js';
import { ALERT_SYSTEM_USER } from './AlertService.js';
import { openRequest } from './requestService.js';

/** The topic id of the requests escalated alerts open (not a topic of the directory). */
export const ALERT_ESCALATION_TOPIC = 'alert';

/**
 * {@link EscalationRequests} through the desk's request service: the request is opened by
 * `system:alerts` in the escalation department's queue with the usual live effects (the
 * department's agents get `request:updated`), idempotent per alert.
 *
 * @param server - the server the requests are opened on
 */
export function deskEscalationRequests(server: SignalingContext): EscalationRequests {
  return {
    async openEscalationRequest(alert, departmentId) {
      const { request } = await openRequest(
        server,
        { actorId: ALERT_SYSTEM_USER, ip: null },
        { topicId: ALERT_ESCALATION_TOPIC, description: escalationDescription(alert), clientId: escalationClientId(alert), departmentId },
      );
      return request.conversationId;
    },
  };
}
