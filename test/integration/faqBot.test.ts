/**
 * examples/faq-bot end to end: a real server, the real bot in this process (webhook listener,
 * PlazaApi, @plaza/client), a real citizen and a real agent client. The bot must find a citizen's
 * conversation of its topic through a signed webhook, greet, answer from the FAQ, hand over to the
 * department's agent when asked, ignore other topics, refuse forged deliveries and tidy up its
 * webhook endpoint on close.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, silentLogger } from '@plaza/client';
import type { Conversation, Message } from '@plaza/client';
import { PlazaApi, signWebhook } from '@plaza/server-sdk';
import { TEST_KEY, TEST_SECRET, startTestServer } from '../../packages/server/src/testing/harness.js';
import type { TestServer } from '../../packages/server/src/testing/harness.js';
import { defaultDepartments, defaultFaq, startFaqBot } from '../../examples/faq-bot/index.js';
import type { RunningFaqBot } from '../../examples/faq-bot/index.js';
import { waitFor, within } from '../helpers/waitFor.js';

const lighting = defaultDepartments['street-light']!;
const repairAnswer = defaultFaq.find((e) => e.id === 'street-light-repair-time')!.answer;

let t: TestServer;
let api: PlazaApi;
let bot: RunningFaqBot;
const clients: PlazaClient[] = [];

/** A connected client of `identity` (a citizen or an agent), closed after the tests. */
async function connect(identity: string): Promise<PlazaClient> {
  const client = new PlazaClient(t.url, { logger: silentLogger });
  clients.push(client);
  await client.connect(() => t.token(identity));
  return client;
}

/** Waits until the bot has handled every message of a conversation up to `seq`. */
async function botHandled(conversationId: string, seq: number): Promise<void> {
  await waitFor(`the bot to receive message ${seq}`, () => (bot.client.conversations.find(conversationId)?.lastSeq ?? 0) >= seq);
  await bot.bot.idle();
}

/** Every message of a conversation, from the client's live `message` events. */
function record(conversation: Conversation): Message[] {
  const seen: Message[] = [];
  conversation.on('message', (m) => seen.push(m));
  return seen;
}

/** The user ids of a conversation's members, through the REST API. */
async function memberIds(conversationId: string): Promise<string[]> {
  const { data } = await api.conversations.members.list(conversationId);
  return data.map((m) => m.userId).sort();
}

/** Waits until the `conversation.created` event of `conversationId` was delivered to the bot's endpoint. */
async function deliveredCreation(conversationId: string): Promise<string> {
  return waitFor(`the conversation.created event of ${conversationId} delivered to the bot`, async () => {
    const { data } = await api.events.list({ type: 'conversation.created', limit: 200 });
    const event = data.find((e) => e.data.conversationId === conversationId);
    if (!event) return null;
    const { deliveries } = await api.events.get(event.id);
    return deliveries.some((d) => d.webhookId === bot.webhookId && d.status === 'delivered') ? event.id : null;
  });
}

beforeAll(async () => {
  t = await startTestServer();
  api = new PlazaApi({ url: t.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET });
  bot = await startFaqBot({ plazaUrl: t.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET, clientLogger: silentLogger });
});

afterAll(async () => {
  await bot?.close();
  for (const client of clients) await client.disconnect();
  await t?.close();
});

describe('examples/faq-bot', () => {
  it('registers one webhook endpoint for conversation events pointing at its own listener', async () => {
    const { data } = await api.webhooks.list();
    const mine = data.filter((w) => w.id === bot.webhookId);
    expect(mine).toEqual([expect.objectContaining({ url: bot.webhookUrl, events: ['conversation.created', 'conversation.updated'], enabled: true })]);
  });

  it('joins a street-light conversation as moderator, greets, answers from the FAQ and hands over to the agent on request', async () => {
    const citizen = await connect('citizen-ana');
    const agent = await connect(lighting.agent.id);
    const conversation = await citizen.conversations.create({ kind: 'group', title: 'Light out on Elm St', topic: 'street-light' });
    const seen = record(conversation);
    const fromBot = () => seen.filter((m) => m.senderId === bot.botId);

    // The webhook brings the bot in; it greets once.
    const greeting = await waitFor('the greeting', () => fromBot()[0]);
    expect(greeting.text).toContain(lighting.about);
    expect(greeting.text).toContain('"person"');
    const members = (await api.conversations.members.list(conversation.id)).data;
    expect(members.find((m) => m.userId === bot.botId)?.role).toBe('moderator');

    // A FAQ question gets the FAQ's answer, as a reply.
    const question = await conversation.send('How long does a repair take?');
    const answer = await waitFor('the FAQ answer', () => fromBot().find((m) => m.replyTo === question.id));
    expect(answer.text).toBe(repairAnswer);

    // Asking for a person adds the department's agent, who receives the conversation.
    const added = new Promise<Conversation>((resolve) => agent.conversations.on('added', (c) => c.id === conversation.id && resolve(c)));
    await conversation.send('Can I talk to a person please?');
    const agentSide = await within('the agent to be added', added);
    expect(agentSide.id).toBe(conversation.id);
    const handover = await waitFor('the handover message', () => fromBot().find((m) => m.text.includes("I've asked")));
    expect(handover.text).toContain(`I've asked ${lighting.agent.name} from ${lighting.name} to join`);
    expect(handover.mentions).toEqual([lighting.agent.id]);
    expect(await memberIds(conversation.id)).toEqual(['citizen-ana', bot.botId, lighting.agent.id].sort());

    // After the handover the bot stays quiet: the agent answers now.
    const later = await conversation.send('How long does a repair take, again?');
    const fromAgent = await agentSide.send('Hello Ana, I am looking at your report now.');
    await botHandled(conversation.id, fromAgent.seq);
    expect(fromBot().filter((m) => m.seq > later.seq)).toEqual([]);
    expect(fromBot()).toHaveLength(3);
  });

  it('hands over by itself after two questions it cannot answer', async () => {
    const citizen = await connect('citizen-ben');
    const conversation = await citizen.conversations.create({ kind: 'group', title: 'Dark corner', topic: 'street-light' });
    const seen = record(conversation);
    const fromBot = () => seen.filter((m) => m.senderId === bot.botId);
    await waitFor('the greeting', () => fromBot()[0]);

    const first = await conversation.send('Do you sell bicycles?');
    const sorry = await waitFor('the first "don\'t know"', () => fromBot().find((m) => m.replyTo === first.id));
    expect(sorry.text).toContain("I don't know");
    await conversation.send('Can I bring my parrot to the town hall?');
    const handover = await waitFor('the handover message', () => fromBot().find((m) => m.text.includes("I've asked")));
    expect(handover.text).toContain(`I've asked ${lighting.agent.name} from ${lighting.name} to join`);
    expect(await memberIds(conversation.id)).toContain(lighting.agent.id);
  });

  it('ignores a conversation of another topic', async () => {
    const citizen = await connect('citizen-cy');
    const conversation = await citizen.conversations.create({ kind: 'group', title: 'Parking', topic: 'parking' });
    await deliveredCreation(conversation.id);
    await bot.bot.idle();
    expect(await memberIds(conversation.id)).toEqual(['citizen-cy']);
    expect((await conversation.history()).messages.filter((m) => m.kind === 'user')).toEqual([]);
  });

  it('handles a redelivered event once: no second greeting', async () => {
    const citizen = await connect('citizen-dee');
    const conversation = await citizen.conversations.create({ kind: 'group', title: 'Flickering', topic: 'street-light' });
    const seen = record(conversation);
    await waitFor('the greeting', () => seen.find((m) => m.senderId === bot.botId));
    const eventId = await deliveredCreation(conversation.id);

    await api.events.redeliver(eventId, { webhookId: bot.webhookId });
    await waitFor('the redelivery to be delivered', async () => {
      const { deliveries } = await api.events.get(eventId);
      return deliveries.find((d) => d.webhookId === bot.webhookId && d.status === 'delivered' && d.attempts >= 1);
    });
    await bot.bot.idle();
    const history = await conversation.history();
    expect(history.messages.filter((m) => m.senderId === bot.botId)).toHaveLength(1);
  });

  it('refuses forged webhook deliveries (no or wrong signature, replayed timestamp) and changes nothing', async () => {
    const citizen = await connect('citizen-eve');
    const conversation = await citizen.conversations.create({ kind: 'group', title: 'Not for the bot', topic: 'parking' });
    await deliveredCreation(conversation.id);
    // A forged event that claims the conversation is about street lights.
    const body = JSON.stringify({
      id: 'evt_999999',
      type: 'conversation.created',
      createdAt: new Date().toISOString(),
      data: { conversationId: conversation.id, conversation: { id: conversation.id, kind: 'group', topic: 'street-light' }, members: [] },
    });
    const post = (headers: Record<string, string>) =>
      fetch(bot.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    const unsigned = await post({});
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toBe('MISSING_HEADERS');

    const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const wrong = await post(signWebhook({ id: 'evt_999999', body, secrets: otherSecret }));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toBe('INVALID_SIGNATURE');

    const old = await post(signWebhook({ id: 'evt_999999', body, secrets: otherSecret, timestamp: new Date(Date.now() - 3_600_000) }));
    expect(old.status).toBe(401);
    expect(await old.text()).toBe('TIMESTAMP_OUT_OF_TOLERANCE');

    await bot.bot.idle();
    expect(await memberIds(conversation.id)).toEqual(['citizen-eve']);
  });

  it('deletes its webhook endpoint on close', async () => {
    const second = await startFaqBot({ plazaUrl: t.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET, botId: 'faq-bot-2', clientLogger: silentLogger });
    expect((await api.webhooks.list()).data.map((w) => w.id)).toContain(second.webhookId);
    await second.close();
    await second.close();
    expect((await api.webhooks.list()).data.map((w) => w.id)).not.toContain(second.webhookId);
    expect((await api.webhooks.list()).data.map((w) => w.id)).toContain(bot.webhookId);
  });
});
