/**
 * Checks docs/integration.md: every ```ts block type-checks against the packages (each block in its
 * own function, imports merged, the names the page says your backend already has declared), and
 * the page's plain-Node webhook verification — and `verifyWebhook` — accept real deliveries of a
 * real server and refuse tampered or foreign ones.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaApi, WebhookVerificationError, verifyWebhook } from '@plaza/server-sdk';
import { TEST_KEY, TEST_SECRET, startTestServer } from '../packages/server/src/testing/harness.js';
import type { TestServer } from '../packages/server/src/testing/harness.js';
import { codeBlocks, samplesModule, typecheckFile } from '../test/helpers/docSamples.js';
import { waitFor } from '../test/helpers/waitFor.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = readFileSync(join(root, 'docs', 'integration.md'), 'utf8');
const blocks = codeBlocks(page, 'ts');

/** What the page says "your backend already has". */
const preamble = `
declare const apiKey: string;
declare const apiSecret: string;
declare const plazaUrl: string;
declare function saveSecret(webhookId: string, secret: string): void;
declare const crm: { addNoteOnce(eventId: string, caseId: string, note: { author: string; text: string; at: string }): Promise<void> };
`;


const workDir = join(root, '.vitest-tmp');
mkdirSync(workDir, { recursive: true });
const dir = mkdtempSync(join(workDir, 'integration-doc-'));

let t: TestServer;
let receiver: Server;
const deliveries: { body: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  t = await startTestServer();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/integration.md', () => {
  it('has TypeScript blocks for tokens, PlazaApi, webhooks with verification, bots, audit, retention, export, erasure and a CRM', () => {
    const all = blocks.join('\n');
    for (const needle of ['new AccessToken(', 'revokeSessions(', 'api.conversations.create(', 'api.webhooks.create(', 'verifyWebhook(', 'createHmac(', "'listDeadLetters'", 'api.events.redeliver(', 'bot: true', "'listAudit'", 'retention.set(', 'api.users.export(', 'api.users.erase(', 'externalRef: caseId']) {
      expect(all, needle).toContain(needle);
    }
  });

  it('typechecks against the packages', () => {
    const file = join(dir, 'integration-samples.ts');
    writeFileSync(file, samplesModule(blocks, preamble));
    expect(typecheckFile(file, root)).toEqual([]);
  });

  it('verifies a real delivery with the plain-Node code and with verifyWebhook, and refuses a tampered body or another secret', async () => {
    const source = blocks.find((b) => b.includes('function verifyPlazaWebhook'));
    expect(source).toBeDefined();
    const file = join(dir, 'verifyPlazaWebhook.ts');
    writeFileSync(file, source as string);
    const { verifyPlazaWebhook } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
      verifyPlazaWebhook: (rawBody: string, headers: Record<string, string | undefined>, secret: string, toleranceSec?: number) => unknown;
    };

    const api = new PlazaApi({ url: t.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET });
    const address = receiver.address() as AddressInfo;
    const endpoint = await api.webhooks.create({ url: `http://127.0.0.1:${address.port}/hook`, events: ['conversation.created'] });
    const conversation = await api.conversations.create({ kind: 'group', title: 'Case 0815', externalRef: 'CASE-0815', createdBy: 'clerk-7' });
    const delivery = await waitFor('the conversation.created delivery', () => deliveries.find((d) => d.body.includes(conversation.id)));
    const headers = Object.fromEntries(Object.entries(delivery.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : v]));

    const plain = verifyPlazaWebhook(delivery.body, headers, endpoint.secret) as { id: string; type: string; data: { conversationId: string } };
    const sdk = verifyWebhook(delivery.body, delivery.headers, endpoint.secret);
    expect(plain).toEqual(sdk);
    expect(sdk).toMatchObject({ id: delivery.headers['webhook-id'], type: 'conversation.created', data: { conversationId: conversation.id } });

    const tampered = delivery.body.replace('CASE-0815', 'CASE-0816');
    expect(() => verifyPlazaWebhook(tampered, headers, endpoint.secret)).toThrow('invalid signature');
    expect(() => verifyWebhook(tampered, delivery.headers, endpoint.secret)).toThrow(WebhookVerificationError);
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => verifyPlazaWebhook(delivery.body, headers, other)).toThrow('invalid signature');
    const stale = { ...headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) };
    expect(() => verifyPlazaWebhook(delivery.body, stale, endpoint.secret)).toThrow('timestamp out of tolerance');
    // A receiver whose secret is not configured verifies nothing, and the SDK says so with a code.
    for (const missing of ['', 'whsec_', undefined as unknown as string]) {
      expect(() => verifyPlazaWebhook(delivery.body, headers, missing)).toThrow('no webhook secret configured');
      expect(() => verifyWebhook(delivery.body, delivery.headers, missing)).toThrow(expect.objectContaining({ code: 'INVALID_SECRET' }));
    }
  });
});
