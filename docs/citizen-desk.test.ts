/**
 * Checks docs/citizen-desk.md against a real server: every ```ts block type-checks against the
 * packages, the PlazaApi set-up block runs, and then every ```sh block (curl) runs in page order —
 * so the examples a city copies are the API as it is.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaApi } from '@plaza/server-sdk';
import { TEST_KEY, TEST_SECRET, ok, startTestServer } from '../packages/server/src/testing/harness.js';
import type { TestServer } from '../packages/server/src/testing/harness.js';
import { codeBlocks, samplesModule, splitImports, typecheckFile } from '../test/helpers/docSamples.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = readFileSync(join(root, 'docs', 'citizen-desk.md'), 'utf8');
const tsBlocks = codeBlocks(page, 'ts');
const shBlocks = codeBlocks(page, 'sh');

/** What the page says the city's backend already has. */
const preamble = `
declare const apiKey: string;
declare const apiSecret: string;
declare const plazaUrl: string;
declare const webhookSecret: string;
declare function saveSecret(webhookId: string, secret: string): void;
declare const crm: {
  openCaseOnce(eventId: string, fields: { topic: string; department: string; text: string }): Promise<string>;
  addNoteOnce(eventId: string, caseId: string, note: string): Promise<void>;
};
`;

const execFileAsync = promisify(execFile);

/** Runs a shell block with bash (errors, unset variables and failed pipes stop it). */
async function runShell(block: string, env: NodeJS.ProcessEnv): Promise<void> {
  await execFileAsync('bash', ['-euo', 'pipefail', '-c', block], { env, timeout: 30_000 });
}

const workDir = join(root, '.vitest-tmp');
mkdirSync(workDir, { recursive: true });
const dir = mkdtempSync(join(workDir, 'citizen-desk-doc-'));

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ calls: false });
});

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/citizen-desk.md', () => {
  it('shows departments, agents, topics, opening hours, SLA, webhooks with externalRef, requests from the CRM and alerts', () => {
    const all = page;
    for (const needle of ['api.departments.create(', 'api.topics.create(', 'api.departments.addAgents(', 'openingHours', 'closedDates', 'firstResponseSlaSec', "events: ['request.*']", 'externalRef', '/v1/requests?externalRef=', '/transfer', '/resolve', '/v1/alert-channels', '/alerts', 'ackTimeoutSec', 'examples/citizen-desk']) {
      expect(all, needle).toContain(needle);
    }
  });

  it('typechecks against the packages', () => {
    const file = join(dir, 'citizen-desk-samples.ts');
    writeFileSync(file, samplesModule(tsBlocks, preamble));
    expect(typecheckFile(file, root)).toEqual([]);
  });

  it('the set-up block and then every curl block run against a real server and do what the page says', async () => {
    // The PlazaApi set-up, run as written.
    const setup = tsBlocks.find((b) => b.includes('api.departments.create('));
    expect(setup).toBeDefined();
    const { imports, body } = splitImports(setup as string);
    const file = join(dir, 'setup.ts');
    writeFileSync(file, `${imports.join('\n')}\nexport async function run(plazaUrl: string, apiKey: string, apiSecret: string): Promise<void> {\n${body}\n}\n`);
    const { run } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { run: (url: string, key: string, secret: string) => Promise<void> };
    await run(t.url, TEST_KEY, TEST_SECRET);

    const api = new PlazaApi({ url: t.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET });
    expect(await api.departments.get('public-lighting')).toMatchObject({ name: 'Public Lighting', agentIds: ['lena.fischer'], firstResponseSlaSec: 14_400 });
    expect((await api.departments.get('roads')).agentIds).toEqual(['ana.lima', 'rafael.costa']);
    expect((await api.topics.get('street-light')).departmentId).toBe('public-lighting');

    // A resident reports a broken street light: the request the CRM examples work on.
    const citizen = await t.connect('clara.schmidt');
    const request = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Lamp out at Elm St 12', clientId: 'doc-1' });

    const env = { ...process.env, PLAZA_URL: t.url, PLAZA_API_KEY: TEST_KEY, PLAZA_API_SECRET: TEST_SECRET, CONVERSATION_ID: request.conversationId };
    expect(shBlocks.length).toBeGreaterThanOrEqual(3);
    for (const block of shBlocks.filter((b) => b.includes('curl'))) {
      try {
        // Asynchronously: the server answering curl runs in this process.
        await runShell(block, env);
      } catch (error) {
        const e = error as { stderr?: string; stdout?: string };
        throw new Error(`curl block failed:\n${block}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
      }
    }

    // Section 2's curl: Waste with its agent added and removed again, and its topic.
    expect(await api.departments.get('waste')).toMatchObject({ name: 'Waste Collection', agentIds: ['wiebke.jansen'], firstResponseSlaSec: 7200 });
    expect((await api.topics.get('graffiti')).departmentId).toBe('waste');
    // Section 3's curl: the case id set, the request passed to Waste and resolved from the CRM.
    const handled = await api.requests.get(request.conversationId);
    expect(handled).toMatchObject({ externalRef: 'CASE-2025-0815', departmentId: 'waste', status: 'resolved', resolution: 'Removed on 12 May.' });
    expect(handled.history.map((h) => h.change)).toEqual(['opened', 'transferred', 'resolved']);
    // Section 4's curl: the channel and its alert.
    expect(await api.alertChannels.get('flooding-north')).toMatchObject({ ackTimeoutSec: 600, escalationDepartmentId: 'roads' });
    const alerts = await api.alerts.list({ channelId: 'flooding-north' });
    expect(alerts.data.map((a) => [a.title, a.severity, a.source])).toEqual([['Water level 2.1 m at Mill Bridge', 'critical', 'level-sensor-7']]);
  });
});
