import type { NewConversation } from './ChatStore.js';

/**
 * A group conversation for store tests: `createdBy` owns it, `others` are members.
 *
 * @param createdBy - the owner
 * @param others - members
 */
export function groupConversation(createdBy: string, ...others: string[]): NewConversation {
  return {
    kind: 'group',
    title: 'Street lights',
    topic: null,
    externalRef: null,
    createdBy,
    members: [{ userId: createdBy, role: 'owner' }, ...others.map((userId) => ({ userId, role: 'member' as const }))],
  };
}
