/**
 * Starts the FAQ bot against a Plaza server: the bot user connects with `@plaza/client`, a webhook
 * endpoint (registered through `PlazaApi`) tells it about new conversations, and it adds itself to
 * those of its topics as a moderator, so that it may add the department's agent later.
 */
import { ErrorCode, PlazaClient, createLogger } from '@plaza/client';
import type { Logger } from '@plaza/client';
import { AccessToken, PlazaApi, PlazaApiError } from '@plaza/server-sdk';
import { defaultDepartments } from './departments.js';
import type { Department } from './departments.js';
import { FaqBot } from './FaqBot.js';
import { defaultFaq } from './faq.js';
import type { FaqEntry } from './faq.js';
import { startWebhookReceiver } from './webhookReceiver.js';
import type { ReceivedEvent, WebhookReceiver } from './webhookReceiver.js';

/** Options of {@link startFaqBot}. */
export interface StartFaqBotOptions {
  /** The Plaza server, for example `http://127.0.0.1:7700`. */
  plazaUrl: string;
  /** API key: signs the bot's access token and authenticates its REST calls. */
  apiKey: string;
  /** Secret of the API key. */
  apiSecret: string;
  /** The bot's Plaza user id. @defaultValue `faq-bot` */
  botId?: string;
  /** The bot's display name. @defaultValue `City help bot` */
  botName?: string;
  /** Departments by topic; the bot serves exactly these topics. @defaultValue {@link defaultDepartments} */
  departments?: Readonly<Record<string, Department>>;
  /** What it can answer. @defaultValue {@link defaultFaq} */
  faq?: readonly FaqEntry[];
  /** Unanswered questions before it hands over by itself. @defaultValue 2 */
  maxUnanswered?: number;
  /** Where the webhook listener listens. @defaultValue `127.0.0.1` */
  webhookHost?: string;
  /** Port of the webhook listener; 0 picks a free one. @defaultValue 0 */
  webhookPort?: number;
  /**
   * The URL Plaza delivers to, when it is not the listener's own address (a proxy, a container's
   * published port). @defaultValue `http://<webhookHost>:<port>/plaza/webhooks`
   */
  webhookPublicUrl?: string;
  /** Where the bot reports what it does, one line each. @defaultValue nothing */
  log?: (line: string) => void;
  /** The client SDK's logger. @defaultValue warnings and errors on the console */
  clientLogger?: Logger;
}

/** A running FAQ bot, from {@link startFaqBot}. */
export interface RunningFaqBot {
  /** The conversation logic. */
  bot: FaqBot;
  /** The bot user's Plaza client. */
  client: PlazaClient;
  /** The bot's user id. */
  botId: string;
  /** The webhook endpoint it registered (`wh_…`). */
  webhookId: string;
  /** Where Plaza delivers its events. */
  webhookUrl: string;
  /** Deletes the webhook endpoint, stops listening and disconnects. Idempotent. */
  close(): Promise<void>;
}

/** Webhook events the bot subscribes to: a conversation appears, or gets its topic later. */
export const faqBotEvents = ['conversation.created', 'conversation.updated'] as const;

/** The description that marks the bot's webhook endpoints, so a restart can remove a crashed run's leftover. */
function endpointDescription(botId: string): string {
  return `faq-bot ${botId}`;
}

/** The conversation an event is about, if it carries one. */
function conversationOf(event: ReceivedEvent): { id: string; kind: string; topic: string | null } | null {
  const conversation = event.data.conversation as { id?: unknown; kind?: unknown; topic?: unknown } | undefined;
  if (!conversation || typeof conversation.id !== 'string' || typeof conversation.kind !== 'string') return null;
  return { id: conversation.id, kind: conversation.kind, topic: typeof conversation.topic === 'string' ? conversation.topic : null };
}

/**
 * Starts the bot: connects its user (an access token with the `bot` grant, refreshed on every
 * reconnect), starts the webhook listener, removes endpoints a previous run of the same bot left
 * behind, registers a new one for {@link faqBotEvents}, and serves conversations from then on.
 *
 * @param options - server, credentials and bot settings
 * @throws PlazaError from `connect()` when the server refuses or cannot be reached
 * @throws PlazaApiError when the webhook endpoint cannot be registered
 */
export async function startFaqBot(options: StartFaqBotOptions): Promise<RunningFaqBot> {
  const botId = options.botId ?? 'faq-bot';
  const botName = options.botName ?? 'City help bot';
  const log = options.log ?? (() => {});
  const api = new PlazaApi({ url: options.plazaUrl, apiKey: options.apiKey, apiSecret: options.apiSecret });

  // A function, not a string: the client calls it before every (re)connect, so tokens stay short-lived.
  const token = () =>
    new AccessToken(options.apiKey, options.apiSecret, { identity: botId, name: botName, ttl: '1h' })
      .grant({ bot: true, canCreate: [], canPublish: [], canUploadFiles: false })
      .toJwt();
  const client = new PlazaClient(options.plazaUrl, { logger: options.clientLogger ?? createLogger('warn') });
  await client.connect(token);

  const bot = new FaqBot(client, {
    departments: options.departments ?? defaultDepartments,
    faq: options.faq ?? defaultFaq,
    ...(options.maxUnanswered !== undefined ? { maxUnanswered: options.maxUnanswered } : {}),
    log,
  });
  bot.start();

  /** Adds the bot to a conversation of its topics; the client then sees it and the bot greets. */
  const onEvent = async (event: ReceivedEvent): Promise<void> => {
    const conversation = conversationOf(event);
    if (!conversation || !bot.serves(conversation)) return;
    try {
      const { added } = await api.conversations.members.add(conversation.id, [{ userId: botId, role: 'moderator' }]);
      if (added.length > 0) log(`added itself to ${conversation.id} (event ${event.id})`);
    } catch (error) {
      // Gone by now: nothing to join, and retrying would not help.
      if (error instanceof PlazaApiError && error.code === ErrorCode.CONVERSATION_NOT_FOUND) return;
      throw error;
    }
  };

  let secret: string | null = null;
  let receiver: WebhookReceiver | null = null;
  let webhookId: string | null = null;
  try {
    receiver = await startWebhookReceiver({
      host: options.webhookHost ?? '127.0.0.1',
      port: options.webhookPort ?? 0,
      secret: () => secret,
      onEvent,
      log,
    });
    const url = options.webhookPublicUrl ?? receiver.url;
    const description = endpointDescription(botId);
    for await (const endpoint of api.paginate('listWebhooks')) {
      if (endpoint.description === description) await api.webhooks.delete(endpoint.id);
    }
    const endpoint = await api.webhooks.create({ url, events: [...faqBotEvents], description });
    secret = endpoint.secret;
    webhookId = endpoint.id;
    log(`listening for Plaza events at ${url} (webhook ${endpoint.id})`);
  } catch (error) {
    await receiver?.close();
    await bot.close();
    await client.disconnect();
    throw error;
  }

  const registeredId = webhookId as string;
  const listener = receiver as WebhookReceiver;
  const webhookUrl = options.webhookPublicUrl ?? listener.url;
  let closing: Promise<void> | null = null;
  return {
    bot,
    client,
    botId,
    webhookId: registeredId,
    webhookUrl,
    close() {
      closing ??= (async () => {
        try {
          await api.webhooks.delete(registeredId);
        } catch (error) {
          if (!(error instanceof PlazaApiError && error.code === ErrorCode.WEBHOOK_NOT_FOUND)) log(`could not delete webhook ${registeredId}: ${String(error)}`);
        }
        await listener.close();
        await bot.close();
        await client.disconnect();
      })();
      return closing;
    },
  };
}
