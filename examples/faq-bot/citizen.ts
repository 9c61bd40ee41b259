/**
 * A tiny terminal chat to try the bot (`pnpm --filter @plaza/example-faq-bot citizen [topic]`):
 * as a citizen it opens a group conversation with a topic and lets you type; with `--as <user id>`
 * it is that user instead (for example the agent the bot hands over to) and chats in the latest
 * conversation it is added to.
 *
 * DEMO ONLY: it mints its own access token with the API key pair, which only a backend may hold.
 *
 * Environment: PLAZA_URL (default http://127.0.0.1:<PLAZA_PORT or PORT or 7700>), PLAZA_API_KEY +
 * PLAZA_API_SECRET (default: <PLAZA_DATA_DIR or ./plaza-data-faq-bot>/keys.json), CITIZEN_NAME.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { PlazaClient } from '@plaza/client';
import type { Conversation } from '@plaza/client';
import { AccessToken } from '@plaza/server-sdk';
import { ConfigError, localKeyPair } from './config.js';
import { defaultDepartments } from './departments.js';
import { followConversation } from './terminalChat.js';

function fail(message: string): never {
  process.stderr.write(`citizen: ${message}\n`);
  process.exit(1);
}

// pnpm passes a literal "--" through to the script; it means nothing here.
const args = process.argv.slice(2).filter((a) => a !== '--');
const asIndex = args.indexOf('--as');
const actAs = asIndex >= 0 ? args[asIndex + 1] : undefined;
if (asIndex >= 0 && !actAs) fail('--as needs a user id, for example --as agent-lighting');
const topic = args.find((a, i) => !a.startsWith('--') && i !== asIndex + 1) ?? 'street-light';

const url = process.env.PLAZA_URL ?? `http://127.0.0.1:${process.env.PLAZA_PORT ?? process.env.PORT ?? 7700}`;
let keys: { apiKey: string; apiSecret: string };
try {
  keys = localKeyPair(process.env, process.env.PLAZA_DATA_DIR ?? './plaza-data-faq-bot');
} catch (error) {
  fail(error instanceof ConfigError ? error.message : String(error));
}

const agentName = Object.values(defaultDepartments).find((d) => d.agent.id === actAs)?.agent.name;
const identity = actAs ?? `citizen-${randomBytes(3).toString('hex')}`;
const name = process.env.CITIZEN_NAME ?? agentName ?? 'Ana';
const token = () => new AccessToken(keys.apiKey, keys.apiSecret, { identity, name, ttl: '1h' }).toJwt();

const plaza = new PlazaClient(url);
await plaza.connect(token).catch((error: unknown) => fail(`cannot connect to ${url}: ${error instanceof Error ? error.message : String(error)}`));

const print = (line: string) => process.stdout.write(`${line}\n`);
let current: Conversation | null = null;

/** Shows the conversation's earlier and new messages and makes it the one typed lines go to. */
async function follow(conversation: Conversation): Promise<void> {
  current = conversation;
  await followConversation(conversation, { identity, print });
}

if (actAs) {
  print(`Connected as ${name} (${identity}). Waiting to be added to a conversation…`);
  plaza.conversations.on('added', (conversation) => {
    print(`\nAdded to "${conversation.title ?? conversation.id}" (topic ${conversation.topic ?? 'none'}). Type to reply.`);
    follow(conversation).catch((error: unknown) => print(`(cannot show the conversation: ${error instanceof Error ? error.message : String(error)})`));
  });
} else {
  const conversation = await plaza.conversations.create({ kind: 'group', title: `Question about ${topic}`, topic });
  await follow(conversation);
  print(`You are ${name} (${identity}), in a new conversation with topic "${topic}". Type a message and press Enter; Ctrl+C to leave.`);
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const text = line.trim();
  if (!text) return;
  if (!current) return print('(not in a conversation yet)');
  current.send(text).catch((error: unknown) => print(`(not sent: ${error instanceof Error ? error.message : String(error)})`));
});
input.on('close', () => void plaza.disconnect().then(() => process.exit(0)));
process.on('SIGINT', () => void plaza.disconnect().then(() => process.exit(0)));
