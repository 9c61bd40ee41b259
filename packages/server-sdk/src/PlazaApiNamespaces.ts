import type { ApiOutput } from '@plaza/protocol';
import type { PlazaApiCallOptions } from './PlazaApi.js';
import type { ApiBody, ApiQuery, PlazaApiMethodName } from './plazaApiOperations.js';
import type { LooseInput } from './internal/buildRequest.js';


/** Members of a conversation: `api.conversations.members`. */
export interface ConversationMembersApi {
  /** All members, owners first. Throws `CONVERSATION_NOT_FOUND`. */
  list(conversationId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'listMembers'>>;
  /**
   * Adds users (role `member` unless given); members already in keep their role. Answers those added.
   * Throws `INVALID_REQUEST`, `CONVERSATION_NOT_FOUND`, `CONFLICT` (a direct conversation).
   */
  add(conversationId: string, members: ApiBody<'addMembers'>['members'], options?: PlazaApiCallOptions): Promise<ApiOutput<'addMembers'>>;
  /** Changes a member's role. Throws `NOT_A_MEMBER`, `CONVERSATION_NOT_FOUND`, `CONFLICT` (the last owner). */
  update(conversationId: string, userId: string, patch: ApiBody<'updateMember'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'updateMember'>>;
  /** Removes a member (their connections leave, and its live call). Throws `NOT_A_MEMBER`, `CONVERSATION_NOT_FOUND`, `CONFLICT`. */
  remove(conversationId: string, userId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'removeMember'>>;
}

/** Messages of a conversation: `api.conversations.messages`. */
export interface ConversationMessagesApi {
  /**
   * Posts a message: a `system` message, or with `senderId` one of that member (a bot). Sent live to
   * connected members. Throws `INVALID_REQUEST`, `NOT_A_MEMBER`, `FORBIDDEN_ROLE`, `CONVERSATION_NOT_FOUND`,
   * `MESSAGE_NOT_FOUND` (`replyTo`), `CONFLICT` (a reused `clientId`), `PAYLOAD_TOO_LARGE`.
   */
  post(conversationId: string, message: ApiBody<'postMessage'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'postMessage'>>;
  /** History ascending by `seq`: the latest, or before `beforeSeq` / after `afterSeq`. Throws `CONVERSATION_NOT_FOUND`. */
  list(conversationId: string, query?: ApiQuery<'listMessages'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listMessages'>>;
}

/** Retention period of a conversation: `api.conversations.retention`. */
export interface ConversationRetentionApi {
  /** The conversation's retention period. Throws `CONVERSATION_NOT_FOUND`. */
  get(conversationId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getRetention'>>;
  /**
   * Sets how long messages are kept, in seconds; `null` keeps them forever.
   * Throws `INVALID_REQUEST` (out of range), `CONVERSATION_NOT_FOUND`.
   */
  set(conversationId: string, seconds: ApiBody<'setRetention'>['seconds'], options?: PlazaApiCallOptions): Promise<ApiOutput<'setRetention'>>;
}

/** Conversations: `api.conversations`. */
export interface ConversationsApi {
  /** Creates a group or channel; `createdBy` becomes its owner. Throws `INVALID_REQUEST`. */
  create(conversation: ApiBody<'createConversation'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'createConversation'>>;
  /** One page of conversations, filtered by `externalRef`, `topic`, `memberId` (walk all with `api.paginate('listConversations', …)`). */
  list(query?: ApiQuery<'listConversations'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listConversations'>>;
  /** One conversation. Throws `CONVERSATION_NOT_FOUND`. */
  get(conversationId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getConversation'>>;
  /** Changes title, topic or external reference (`null` clears). Throws `INVALID_REQUEST`, `CONVERSATION_NOT_FOUND`, `CONFLICT`. */
  update(conversationId: string, patch: ApiBody<'updateConversation'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'updateConversation'>>;
  /** Members of a conversation. */
  readonly members: ConversationMembersApi;
  /** Messages of a conversation. */
  readonly messages: ConversationMessagesApi;
  /** Retention period of a conversation. */
  readonly retention: ConversationRetentionApi;
}

/** Participants of a live call: `api.calls.participants`. */
export interface CallParticipantsApi {
  /** Removes a participant from the call (they may join again). Throws `CALL_NOT_FOUND`, `PARTICIPANT_NOT_FOUND`. */
  remove(callId: string, participantId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'removeParticipant'>>;
  /** Mutes one source of a participant; only they can unmute it. Throws `CALL_NOT_FOUND`, `PARTICIPANT_NOT_FOUND`, `MEDIA_NOT_FOUND`. */
  mute(callId: string, participantId: string, source: ApiBody<'muteParticipant'>['source'], options?: PlazaApiCallOptions): Promise<ApiOutput<'muteParticipant'>>;
}

/** Live calls: `api.calls`. */
export interface CallsApi {
  /** Every live call with its participants. */
  list(options?: PlazaApiCallOptions): Promise<ApiOutput<'listCalls'>>;
  /** One live call. Throws `CALL_NOT_FOUND`. */
  get(callId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getCall'>>;
  /** Ends a call for everyone. Throws `CALL_NOT_FOUND`. */
  end(callId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'endCall'>>;
  /** Participants of a live call. */
  readonly participants: CallParticipantsApi;
}

/** Webhook endpoints: `api.webhooks`. */
export interface WebhooksApi {
  /** Creates an endpoint; the answer carries its signing `secret`, shown only this once. Throws `INVALID_REQUEST`. */
  create(webhook: ApiBody<'createWebhook'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'createWebhook'>>;
  /** One page of endpoints, oldest first. */
  list(query?: ApiQuery<'listWebhooks'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listWebhooks'>>;
  /** One endpoint. Throws `WEBHOOK_NOT_FOUND`. */
  get(webhookId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getWebhook'>>;
  /** Changes the given fields. Throws `INVALID_REQUEST`, `WEBHOOK_NOT_FOUND`. */
  update(webhookId: string, patch: ApiBody<'updateWebhook'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'updateWebhook'>>;
  /** Deletes an endpoint and its deliveries. Throws `WEBHOOK_NOT_FOUND` (also when already gone). */
  delete(webhookId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'deleteWebhook'>>;
  /** A new signing secret; the old one stays valid for 24 hours. Throws `WEBHOOK_NOT_FOUND`. */
  rotateSecret(webhookId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'rotateWebhookSecret'>>;
  /** One page of an endpoint's deliveries, newest first, optionally of one `status`. Throws `WEBHOOK_NOT_FOUND`. */
  listDeliveries(webhookId: string, query?: ApiQuery<'listWebhookDeliveries'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listWebhookDeliveries'>>;
  /** One page of deliveries that failed every attempt, newest first. */
  listDeadLetters(query?: ApiQuery<'listDeadLetters'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listDeadLetters'>>;
}

/** Outbox events: `api.events`. */
export interface EventsApi {
  /** One page of events, oldest first, optionally of a `type` or after an event id. */
  list(query?: ApiQuery<'listEvents'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listEvents'>>;
  /** One event with its deliveries. Throws `EVENT_NOT_FOUND`. */
  get(eventId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getEvent'>>;
  /** Delivers an event again (to every endpoint, or to `webhookId`). Throws `EVENT_NOT_FOUND`, `WEBHOOK_NOT_FOUND`. */
  redeliver(eventId: string, target?: ApiBody<'redeliverEvent'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'redeliverEvent'>>;
}

/** Users: `api.users`. */
export interface UsersApi {
  /** Closes every live connection of the user and refuses their tokens issued until now (`TOKEN_REVOKED`). */
  revokeSessions(userId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'revokeSessions'>>;
  /** Everything stored about the user, as one JSON document. Throws `USER_NOT_FOUND`. */
  export(userId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'exportUser'>>;
  /** Removes or anonymises everything that names the user. Throws `USER_NOT_FOUND` (unknown or already erased). */
  erase(userId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'eraseUser'>>;
}

/** The audit log: `api.audit`. */
export interface AuditApi {
  /** One page of audit records, newest first, filtered (walk all with `api.paginate('listAudit', …)`). */
  list(query?: ApiQuery<'listAudit'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listAudit'>>;
}

/** Recipients of an alert channel: `api.alertChannels.recipients`. */
export interface AlertChannelRecipientsApi {
  /** Adds recipients (members of the channel's conversation); answers those newly added. Throws `INVALID_REQUEST`, `CHANNEL_NOT_FOUND`. */
  add(channelId: string, userIds: ApiBody<'addAlertRecipients'>['userIds'], options?: PlazaApiCallOptions): Promise<ApiOutput<'addAlertRecipients'>>;
  /** Removes a recipient. Throws `CHANNEL_NOT_FOUND`, `NOT_A_MEMBER`. */
  remove(channelId: string, userId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'removeAlertRecipient'>>;
}

/** Alert channels: `api.alertChannels`. */
export interface AlertChannelsApi {
  /** Creates a channel and its conversation. Throws `INVALID_REQUEST`, `CONFLICT` (id taken), `DEPARTMENT_NOT_FOUND`. */
  create(channel: ApiBody<'createAlertChannel'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'createAlertChannel'>>;
  /** One page of channels, by id. */
  list(query?: ApiQuery<'listAlertChannels'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listAlertChannels'>>;
  /** One channel. Throws `CHANNEL_NOT_FOUND`. */
  get(channelId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getAlertChannel'>>;
  /** Changes the given fields (`null` clears). Throws `INVALID_REQUEST`, `CHANNEL_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`. */
  update(channelId: string, patch: ApiBody<'updateAlertChannel'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'updateAlertChannel'>>;
  /** Recipients of a channel. */
  readonly recipients: AlertChannelRecipientsApi;
}

/** Alerts: `api.alerts`. */
export interface AlertsApi {
  /**
   * Posts an alert to a channel (idempotent per `source` and `clientId`). Throws `INVALID_REQUEST`,
   * `CHANNEL_NOT_FOUND`, `CONFLICT` (a reused `clientId`).
   */
  post(channelId: string, alert: ApiBody<'postAlert'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'postAlert'>>;
  /** One page of alerts with acknowledgements, newest first (walk all with `api.paginate('listAlerts', …)`). Throws `CHANNEL_NOT_FOUND`. */
  list(query?: ApiQuery<'listAlerts'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listAlerts'>>;
  /** One alert with its acknowledgements. Throws `ALERT_NOT_FOUND`. */
  get(alertId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getAlert'>>;
}

/** Citizen-desk departments and their agents: `api.departments`. */
export interface DepartmentsApi {
  /** Creates a department (slug `id`) with its opening hours, SLA and first agents. Throws `INVALID_REQUEST`, `CONFLICT` (id taken). */
  create(department: ApiBody<'createDepartment'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'createDepartment'>>;
  /** One page of departments, by id. */
  list(query?: ApiQuery<'listDepartments'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listDepartments'>>;
  /** One department with its agents. Throws `DEPARTMENT_NOT_FOUND`. */
  get(departmentId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getDepartment'>>;
  /** Changes the given fields (`null` clears). Throws `INVALID_REQUEST`, `DEPARTMENT_NOT_FOUND`. */
  update(departmentId: string, patch: ApiBody<'updateDepartment'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'updateDepartment'>>;
  /** Deletes a department. Throws `DEPARTMENT_NOT_FOUND`, `CONFLICT` (topics or open requests still point at it). */
  delete(departmentId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'deleteDepartment'>>;
  /** Makes users agents (connected ones get its queue events at once); answers those added. Throws `INVALID_REQUEST`, `DEPARTMENT_NOT_FOUND`. */
  addAgents(departmentId: string, userIds: ApiBody<'addAgents'>['userIds'], options?: PlazaApiCallOptions): Promise<ApiOutput<'addAgents'>>;
  /** Removes an agent (idempotent). Throws `DEPARTMENT_NOT_FOUND`. */
  removeAgent(departmentId: string, userId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'removeAgent'>>;
}

/** Citizen-desk topics, each routed to a department: `api.topics`. */
export interface TopicsApi {
  /** Creates a topic (slug `id`). Throws `INVALID_REQUEST`, `CONFLICT` (id taken), `DEPARTMENT_NOT_FOUND`. */
  create(topic: ApiBody<'createTopic'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'createTopic'>>;
  /** One page of topics, by id, optionally of one `departmentId`. */
  list(query?: ApiQuery<'listTopics'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listTopics'>>;
  /** One topic. Throws `TOPIC_NOT_FOUND`. */
  get(topicId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getTopic'>>;
  /** Changes the given fields; a new `departmentId` routes new requests only. Throws `INVALID_REQUEST`, `TOPIC_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`. */
  update(topicId: string, patch: ApiBody<'updateTopic'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'updateTopic'>>;
  /** Deletes a topic (open requests keep it). Throws `TOPIC_NOT_FOUND`. */
  delete(topicId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'deleteTopic'>>;
}

/** Citizen requests: `api.requests`. */
export interface RequestsApi {
  /** One page of requests, newest first, filtered by `departmentId`, `status`, `citizenId`, `externalRef` (walk all with `api.paginate('listRequests', …)`). */
  list(query?: ApiQuery<'listRequests'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'listRequests'>>;
  /** One request with its history. Throws `REQUEST_NOT_FOUND`. */
  get(conversationId: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'getRequest'>>;
  /**
   * Moves an open request to another department's queue with a note for its agents; the citizen is told where it went.
   * Throws `INVALID_REQUEST`, `REQUEST_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `CONFLICT`.
   */
  transfer(conversationId: string, transfer: ApiBody<'transferRequest'>, options?: PlazaApiCallOptions): Promise<ApiOutput<'transferRequest'>>;
  /** Resolves an open request, posting the resolution for the citizen. Throws `INVALID_REQUEST`, `REQUEST_NOT_FOUND`, `CONFLICT`. */
  resolve(conversationId: string, resolution?: string, options?: PlazaApiCallOptions): Promise<ApiOutput<'resolveRequest'>>;
}

/** The namespaces of {@link PlazaApi}. */
export interface PlazaApiNamespaces {
  /** Conversations, members, messages, retention. */
  conversations: ConversationsApi;
  /** Live calls and participants. */
  calls: CallsApi;
  /** Webhook endpoints and deliveries. */
  webhooks: WebhooksApi;
  /** Outbox events. */
  events: EventsApi;
  /** Users. */
  users: UsersApi;
  /** The audit log. */
  audit: AuditApi;
  /** Citizen-desk departments and agents. */
  departments: DepartmentsApi;
  /** Citizen-desk topics. */
  topics: TopicsApi;
  /** Alert channels and their recipients. */
  alertChannels: AlertChannelsApi;
  /** Alerts and acknowledgements. */
  alerts: AlertsApi;
  /** Citizen requests: list, read with history, transfer, resolve. */
  requests: RequestsApi;
}

/** Calls the operation behind a method name (see `plazaApiOperations`). */
export type MethodCaller = (name: PlazaApiMethodName, input: LooseInput, options: PlazaApiCallOptions | undefined) => Promise<unknown>;

/**
 * Builds the namespaced methods on top of one caller. Each method only arranges its arguments
 * into `{ params, query, body }`; which operation it calls comes from `plazaApiOperations`.
 */
export function createNamespaces(call: MethodCaller): PlazaApiNamespaces {
  // Every method's answer is the operation's output; the caller is typed loosely, the interfaces above are not.
  const c = call as (name: PlazaApiMethodName, input: LooseInput, options: PlazaApiCallOptions | undefined) => Promise<never>;
  return {
    conversations: {
      create: (body, o) => c('conversations.create', { body }, o),
      list: (query, o) => c('conversations.list', { query }, o),
      get: (conversationId, o) => c('conversations.get', { params: { conversationId } }, o),
      update: (conversationId, body, o) => c('conversations.update', { params: { conversationId }, body }, o),
      members: {
        list: (conversationId, o) => c('conversations.members.list', { params: { conversationId } }, o),
        add: (conversationId, members, o) => c('conversations.members.add', { params: { conversationId }, body: { members } }, o),
        update: (conversationId, userId, body, o) => c('conversations.members.update', { params: { conversationId, userId }, body }, o),
        remove: (conversationId, userId, o) => c('conversations.members.remove', { params: { conversationId, userId } }, o),
      },
      messages: {
        post: (conversationId, body, o) => c('conversations.messages.post', { params: { conversationId }, body }, o),
        list: (conversationId, query, o) => c('conversations.messages.list', { params: { conversationId }, query }, o),
      },
      retention: {
        get: (conversationId, o) => c('conversations.retention.get', { params: { conversationId } }, o),
        set: (conversationId, seconds, o) => c('conversations.retention.set', { params: { conversationId }, body: { seconds } }, o),
      },
    },
    calls: {
      list: (o) => c('calls.list', {}, o),
      get: (callId, o) => c('calls.get', { params: { callId } }, o),
      end: (callId, o) => c('calls.end', { params: { callId } }, o),
      participants: {
        remove: (callId, participantId, o) => c('calls.participants.remove', { params: { callId, participantId } }, o),
        mute: (callId, participantId, source, o) => c('calls.participants.mute', { params: { callId, participantId }, body: { source } }, o),
      },
    },
    webhooks: {
      create: (body, o) => c('webhooks.create', { body }, o),
      list: (query, o) => c('webhooks.list', { query }, o),
      get: (webhookId, o) => c('webhooks.get', { params: { webhookId } }, o),
      update: (webhookId, body, o) => c('webhooks.update', { params: { webhookId }, body }, o),
      delete: (webhookId, o) => c('webhooks.delete', { params: { webhookId } }, o),
      rotateSecret: (webhookId, o) => c('webhooks.rotateSecret', { params: { webhookId } }, o),
      listDeliveries: (webhookId, query, o) => c('webhooks.listDeliveries', { params: { webhookId }, query }, o),
      listDeadLetters: (query, o) => c('webhooks.listDeadLetters', { query }, o),
    },
    events: {
      list: (query, o) => c('events.list', { query }, o),
      get: (eventId, o) => c('events.get', { params: { eventId } }, o),
      redeliver: (eventId, body, o) => c('events.redeliver', { params: { eventId }, body: body ?? {} }, o),
    },
    users: {
      revokeSessions: (userId, o) => c('users.revokeSessions', { params: { userId } }, o),
      export: (userId, o) => c('users.export', { params: { userId } }, o),
      erase: (userId, o) => c('users.erase', { params: { userId } }, o),
    },
    audit: {
      list: (query, o) => c('audit.list', { query }, o),
    },
    departments: {
      create: (body, o) => c('departments.create', { body }, o),
      list: (query, o) => c('departments.list', { query }, o),
      get: (departmentId, o) => c('departments.get', { params: { departmentId } }, o),
      update: (departmentId, body, o) => c('departments.update', { params: { departmentId }, body }, o),
      delete: (departmentId, o) => c('departments.delete', { params: { departmentId } }, o),
      addAgents: (departmentId, userIds, o) => c('departments.addAgents', { params: { departmentId }, body: { userIds } }, o),
      removeAgent: (departmentId, userId, o) => c('departments.removeAgent', { params: { departmentId, userId } }, o),
    },
    topics: {
      create: (body, o) => c('topics.create', { body }, o),
      list: (query, o) => c('topics.list', { query }, o),
      get: (topicId, o) => c('topics.get', { params: { topicId } }, o),
      update: (topicId, body, o) => c('topics.update', { params: { topicId }, body }, o),
      delete: (topicId, o) => c('topics.delete', { params: { topicId } }, o),
    },
    alertChannels: {
      create: (body, o) => c('alertChannels.create', { body }, o),
      list: (query, o) => c('alertChannels.list', { query }, o),
      get: (channelId, o) => c('alertChannels.get', { params: { channelId } }, o),
      update: (channelId, body, o) => c('alertChannels.update', { params: { channelId }, body }, o),
      recipients: {
        add: (channelId, userIds, o) => c('alertChannels.recipients.add', { params: { channelId }, body: { userIds } }, o),
        remove: (channelId, userId, o) => c('alertChannels.recipients.remove', { params: { channelId, userId } }, o),
      },
    },
    alerts: {
      post: (channelId, body, o) => c('alerts.post', { params: { channelId }, body }, o),
      list: (query, o) => c('alerts.list', { query }, o),
      get: (alertId, o) => c('alerts.get', { params: { alertId } }, o),
    },
    requests: {
      list: (query, o) => c('requests.list', { query }, o),
      get: (conversationId, o) => c('requests.get', { params: { conversationId } }, o),
      transfer: (conversationId, body, o) => c('requests.transfer', { params: { conversationId }, body }, o),
      resolve: (conversationId, resolution, o) => c('requests.resolve', { params: { conversationId }, body: resolution === undefined ? {} : { resolution } }, o),
    },
  };
}
