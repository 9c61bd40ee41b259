/**
 * The FAQ bot as a library: `startFaqBot()` runs it against a Plaza server; the parts are exported
 * for tests and for bots of your own.
 */
export { startFaqBot, faqBotEvents } from './startFaqBot.js';
export type { RunningFaqBot, StartFaqBotOptions } from './startFaqBot.js';
export { FaqBot } from './FaqBot.js';
export type { FaqBotOptions, HandoverReason } from './FaqBot.js';
export { defaultFaq, matchFaq, asksForHuman, humanRequestWords, wordsOf } from './faq.js';
export type { FaqEntry } from './faq.js';
export { defaultDepartments } from './departments.js';
export type { Agent, Department } from './departments.js';
export { startWebhookReceiver } from './webhookReceiver.js';
export type { ReceivedEvent, WebhookReceiver, WebhookReceiverOptions } from './webhookReceiver.js';
export { ConfigError, readConfig, localKeyPair } from './config.js';
export { followConversation } from './terminalChat.js';
export type { FollowOptions } from './terminalChat.js';
export type { FaqBotConfig } from './config.js';
