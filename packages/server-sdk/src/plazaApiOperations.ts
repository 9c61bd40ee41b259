import type { ApiInput, ApiOperationId } from '@plaza/protocol';

/**
 * Which REST operation each namespaced method of {@link PlazaApi} calls: method path (as in
 * `api.conversations.members.add`) → `operationId` of the OpenAPI document. A test compares this
 * table with the document the server serves, both ways, so no operation lacks a method and no
 * method calls something the server does not have.
 *
 * Convention of every method: the operation's path parameters first, in the order of its path,
 * then its body or query (or the one field that makes the body), then per-call options.
 */
export const plazaApiOperations = {
  'conversations.create': 'createConversation',
  'conversations.list': 'listConversations',
  'conversations.get': 'getConversation',
  'conversations.update': 'updateConversation',
  'conversations.members.list': 'listMembers',
  'conversations.members.add': 'addMembers',
  'conversations.members.update': 'updateMember',
  'conversations.members.remove': 'removeMember',
  'conversations.messages.post': 'postMessage',
  'conversations.messages.list': 'listMessages',
  'conversations.retention.get': 'getRetention',
  'conversations.retention.set': 'setRetention',
  'calls.list': 'listCalls',
  'calls.get': 'getCall',
  'calls.end': 'endCall',
  'calls.participants.remove': 'removeParticipant',
  'calls.participants.mute': 'muteParticipant',
  'webhooks.create': 'createWebhook',
  'webhooks.list': 'listWebhooks',
  'webhooks.get': 'getWebhook',
  'webhooks.update': 'updateWebhook',
  'webhooks.delete': 'deleteWebhook',
  'webhooks.rotateSecret': 'rotateWebhookSecret',
  'webhooks.listDeliveries': 'listWebhookDeliveries',
  'webhooks.listDeadLetters': 'listDeadLetters',
  'events.list': 'listEvents',
  'events.get': 'getEvent',
  'events.redeliver': 'redeliverEvent',
  'users.revokeSessions': 'revokeSessions',
  'users.export': 'exportUser',
  'users.erase': 'eraseUser',
  'audit.list': 'listAudit',
  'departments.create': 'createDepartment',
  'departments.list': 'listDepartments',
  'departments.get': 'getDepartment',
  'departments.update': 'updateDepartment',
  'departments.delete': 'deleteDepartment',
  'departments.addAgents': 'addAgents',
  'departments.removeAgent': 'removeAgent',
  'topics.create': 'createTopic',
  'topics.list': 'listTopics',
  'topics.get': 'getTopic',
  'topics.update': 'updateTopic',
  'topics.delete': 'deleteTopic',
  'alertChannels.create': 'createAlertChannel',
  'alertChannels.list': 'listAlertChannels',
  'alertChannels.get': 'getAlertChannel',
  'alertChannels.update': 'updateAlertChannel',
  'alertChannels.recipients.add': 'addAlertRecipients',
  'alertChannels.recipients.remove': 'removeAlertRecipient',
  'alerts.post': 'postAlert',
  'alerts.list': 'listAlerts',
  'alerts.get': 'getAlert',
  'requests.list': 'listRequests',
  'requests.get': 'getRequest',
  'requests.transfer': 'transferRequest',
  'requests.resolve': 'resolveRequest',
} as const satisfies Record<string, ApiOperationId>;

/** A namespaced method of {@link PlazaApi}, by its path, for example `conversations.members.add`. */
export type PlazaApiMethodName = keyof typeof plazaApiOperations;

/** The JSON body operation `K` takes. */
export type ApiBody<K extends ApiOperationId> = NonNullable<ApiInput<K>['body']>;

/** The query parameters operation `K` takes. */
export type ApiQuery<K extends ApiOperationId> = NonNullable<ApiInput<K>['query']>;
