/**
 * examples/faq-bot's terminal chat (citizen.ts) against a real server: a user added to a
 * conversation sees the earlier messages and every message written around the moment it was
 * added — once each, in order (the agent's view once missed the bot's handover line, which the bot
 * writes right after adding the agent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, silentLogger } from '@plaza/client';
import type { Conversation } from '@plaza/client';
import { PlazaApi } from '@plaza/server-sdk';
import { TEST_KEY, TEST_SECRET, startTestServer } from '../../packages/server/src/testing/harness.js';
import type { TestServer } from '../../packages/server/src/testing/harness.js';
import { followConversation } from '../../examples/faq-bot/index.js';
import { waitFor, within } from '../helpers/waitFor.js';

let t: TestServer;
let api: PlazaApi;
const clients: PlazaClient[] = [];

beforeAll(async () => {
  t = await startTestServer({ calls: false });
  api = new PlazaApi({ url: t.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET });
});
afterAll(async () => {
  for (const client of clients) await client.disconnect();
  await t?.close();
});

async function connect(identity: string): Promise<PlazaClient> {
  const client = new PlazaClient(t.url, { logger: silentLogger });
  clients.push(client);
  await client.connect(() => t.token(identity));
  return client;
}

describe('examples/faq-bot terminal chat', () => {
  it('an agent added to a conversation sees the messages written while it loads history and members: each once, in order', async () => {
    const burst = 30;
    for (let round = 0; round < 3; round++) {
      const agentId = `tc-agent-${round}`;
      const agent = await connect(agentId);
      const conversation = await api.conversations.create({ kind: 'group', title: `Case ${round}`, createdBy: 'tc-citizen' });
      await api.conversations.messages.post(conversation.id, { senderId: 'tc-citizen', text: 'before' });
      const lines: string[] = [];
      const followed = new Promise<Promise<void>>((resolve) =>
        agent.conversations.on('added', (c: Conversation) => {
          if (c.id !== conversation.id) return;
          // What citizen.ts does on `added`; the messages below are written while it loads.
          resolve(followConversation(c, { identity: agentId, print: (line) => lines.push(line) }));
          for (let i = 0; i < burst; i++) void api.conversations.messages.post(conversation.id, { senderId: 'tc-citizen', text: `m${i}` });
        }),
      );
      await api.conversations.members.add(conversation.id, [{ userId: agentId }]);
      await within('the agent to be added and load the conversation', followed.then((p) => p));
      const expected = Array.from({ length: burst }, (_, i) => `m${i}`);
      await waitFor(`all ${burst} messages in the agent's terminal (round ${round})`, () => expected.every((text) => lines.some((l) => l.endsWith(`: ${text}`))), {
        describe: () => lines.join('\n'),
      });
      const { data } = await api.conversations.messages.list(conversation.id, { limit: 100 });
      const said = lines.filter((l) => !l.endsWith(' joined)'));
      expect(said.map((l) => l.trim().replace(/^.*?: /, ''))).toEqual(data.filter((m) => m.kind === 'user').map((m) => m.text));
      // The earlier message comes first, indented as history.
      expect(said[0]).toMatch(/^ {2}\S.*: before$/);
    }
  });
});
