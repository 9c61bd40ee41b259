export { AccessToken, accessTokenDefaults, ttlToSeconds } from './AccessToken.js';
export type { AccessTokenOptions } from './AccessToken.js';
export { TokenError, verifyAccessToken } from './verifyAccessToken.js';
export type { SecretResolver, VerifiedToken, VerifyOptions } from './verifyAccessToken.js';
export { WebhookVerificationError, signWebhook, verifyWebhook, verifyWebhookDefaults } from './webhooks.js';
export type { SignWebhookInput, VerifyWebhookOptions, WebhookEvent, WebhookHeaders, WebhookVerificationErrorCode } from './webhooks.js';
export type { Grants, ResolvedGrants } from '@plaza/protocol';
export { PlazaApi, plazaApiDefaults } from './PlazaApi.js';
export type { PaginatedOperationId, PageItem, PlazaApiArgs, PlazaApiCallOptions, PlazaApiOptions, PlazaApiRetryInfo } from './PlazaApi.js';
export { PlazaApiError } from './PlazaApiError.js';
export type { PlazaApiErrorDetails, PlazaApiErrorOptions } from './PlazaApiError.js';
export type {
  AlertChannelRecipientsApi,
  AlertChannelsApi,
  AlertsApi,
  AuditApi,
  CallParticipantsApi,
  CallsApi,
  ConversationMembersApi,
  ConversationMessagesApi,
  ConversationRetentionApi,
  ConversationsApi,
  EventsApi,
  UsersApi,
  WebhooksApi,
} from './PlazaApiNamespaces.js';
export type { DepartmentsApi, TopicsApi } from './PlazaApiNamespaces.js';
export type { RequestsApi } from './PlazaApiNamespaces.js';
export { plazaApiOperations } from './plazaApiOperations.js';
export type { ApiBody, ApiQuery, PlazaApiMethodName } from './plazaApiOperations.js';
