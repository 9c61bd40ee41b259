import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteChatStore } from './SqliteChatStore.js';

const fixture = fileURLToPath(new URL('./appendUntilKilled.fixture.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
let dir: string | undefined;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it('every append acknowledged before SIGKILL is in the file after reopening, with gapless seqs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-crash-'));
    const filename = join(dir, 'plaza.db');
    const setup = createSqliteChatStore({ filename });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const c = await setup.createConversation({
        kind: 'group',
        title: `g${i}`,
        topic: null,
        externalRef: null,
        createdBy: 'writer',
        members: [{ userId: 'writer', role: 'owner' }],
      });
      ids.push(c.id);
    }
    await setup.close();

    const child = spawn(process.execPath, ['--import', 'tsx', fixture, filename, ids.join(',')], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: { conversationId: string; seq: number; id: string }[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const [conversationId, seq, id] = line.split(' ');
          if (conversationId && seq && id) acked.push({ conversationId, seq: Number(seq), id });
        }
        if (acked.length >= 600 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => (acked.length >= 600 ? resolve() : reject(new Error(`child exited early: ${stderr}`))));
    });
    expect(await exited).toBe('SIGKILL');

    const store = createSqliteChatStore({ filename });
    try {
      for (const a of acked) {
        const message = await store.getMessage(a.conversationId, a.id);
        expect(message?.seq).toBe(a.seq);
      }
      for (const id of ids) {
        const conversation = await store.getConversation(id);
        const lastSeq = conversation?.lastSeq ?? 0;
        const maxAcked = Math.max(0, ...acked.filter((a) => a.conversationId === id).map((a) => a.seq));
        expect(lastSeq).toBeGreaterThanOrEqual(maxAcked);
        const page = await store.history(id, { afterSeq: 0, limit: lastSeq + 1 });
        expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
      }
      expect(acked.length).toBeGreaterThanOrEqual(600);
    } finally {
      await store.close();
    }
  }, 60_000);
});
