import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlazaClient, silentLogger } from '@plaza/client';
import { AccessToken } from '@plaza/server-sdk';
import type { Grants } from '@plaza/protocol';
import { ServerProcess } from '../lib/ServerProcess.js';
import { bundlePage } from './browser.js';
import type { JoinSide } from './joinRun.js';
import type { PlazaNodeConfig } from './nodeSide.js';

/** Options of {@link PlazaMedia.start}. */
export interface PlazaMediaOptions {
  root: string;
  /** A temp dir for the server's data and config. */
  work: string;
  /** Origin of the bench pages (allowed by the server's CORS). */
  pageOrigin: string;
  /** Largest number of Node subscribers (one user each). */
  subscribers: number;
  log: (line: string) => void;
}

const TOKEN_TTL = '6h';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The client's browser bundle (`@plaza/client/browser`), built first when missing or older than its sources. */
function browserBundle(root: string, log: (line: string) => void): Buffer {
  const bundle = join(root, 'packages/client/dist/browser/plaza-client.js');
  const sources = Math.max(newestSource(join(root, 'packages/client/src')), newestSource(join(root, 'packages/protocol/src')));
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < sources) {
    log('building the client browser bundle (pnpm --filter @plaza/protocol build, then @plaza/client)');
    for (const pkg of ['@plaza/protocol', '@plaza/client']) execFileSync('pnpm', ['--filter', pkg, 'build'], { cwd: root, stdio: 'pipe', timeout: 180_000 });
  }
  return readFileSync(bundle);
}

/**
 * The Plaza side of `bench:media`: a real `plaza-server` (from source, one media worker, RTC on
 * 127.0.0.1), a group conversation whose members are the publisher, the browser viewer and the
 * Node subscribers (one user each), and their access tokens.
 */
export class PlazaMedia {
  readonly server: ServerProcess;
  readonly conversationId: string;
  readonly #tokens: Record<string, string>;
  readonly #root: string;
  readonly #log: (line: string) => void;

  private constructor(server: ServerProcess, conversationId: string, tokens: Record<string, string>, root: string, log: (line: string) => void) {
    this.server = server;
    this.conversationId = conversationId;
    this.#tokens = tokens;
    this.#root = root;
    this.#log = log;
  }

  /** Starts plaza-server and creates the call's conversation and the tokens. */
  static async start(o: PlazaMediaOptions): Promise<PlazaMedia> {
    const credentials = { apiKey: 'PKbenchmedia', apiSecret: randomBytes(32).toString('base64url') };
    const configFile = join(o.work, 'plaza-config.json');
    // Rate limits raised so that repeated joins and 30 subscribers joining at once are not throttled.
    writeFileSync(configFile, JSON.stringify({ logLevel: 'warn', rateLimits: { messages: { perSecond: 1_000_000, burst: 1_000_000 }, requests: { perSecond: 1_000_000, burst: 1_000_000 }, media: { perSecond: 1_000_000, burst: 1_000_000 } } }));
    const server = await ServerProcess.start({
      name: 'Plaza',
      cwd: o.root,
      args: ['--import', 'tsx', 'packages/server/src/cli.ts', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(o.work, 'plaza'), '--config', configFile, '--allowed-origins', o.pageOrigin],
      env: { PLAZA_API_KEY: credentials.apiKey, PLAZA_API_SECRET: credentials.apiSecret, PLAZA_MEDIA_WORKERS: '1', PLAZA_RTC_LISTEN_IP: '127.0.0.1' },
    });
    try {
      const mint = (identity: string, grants: Grants) => new AccessToken(credentials.apiKey, credentials.apiSecret, { identity, ttl: TOKEN_TTL }).grant(grants).toJwt();
      const viewer: Grants = { canPublish: [], canSubscribe: true };
      const tokens: Record<string, string> = {
        publisher: await mint('bench-publisher', { canPublish: ['camera'], canSubscribe: true }),
        viewer: await mint('bench-viewer', viewer),
      };
      for (let i = 0; i < o.subscribers; i++) tokens[`subscriber-${i}`] = await mint(`bench-subscriber-${i}`, viewer);
      const owner = new PlazaClient(server.url, { webSocketOnly: true, logger: silentLogger });
      await owner.connect(await mint('bench-owner', {}));
      const memberIds = ['bench-publisher', 'bench-viewer', ...Array.from({ length: o.subscribers }, (_, i) => `bench-subscriber-${i}`)];
      const conversation = await owner.conversations.create({ kind: 'group', title: 'Media bench', memberIds });
      await owner.disconnect();
      return new PlazaMedia(server, conversation.id, tokens, o.root, o.log);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** Page files for the static server: the page, the client's browser bundle, the page script. */
  async pageFiles(tsconfig: string): Promise<Record<string, [string, string | Buffer]>> {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Plaza</title></head><body>
<script type="module">import * as Plaza from '/plaza-client.js'; window.Plaza = Plaza;</script>
<script type="module" src="/plaza-page.js"></script></body></html>`;
    return {
      '/plaza.html': ['text/html', html],
      '/plaza-client.js': ['text/javascript', browserBundle(this.#root, this.#log)],
      '/plaza-page.js': ['text/javascript', await bundlePage(join(this.#root, 'bench/media/plaza-page.ts'), tsconfig)],
    };
  }

  /** The Plaza pages for the join run: the publisher's token, the viewer's for every join. */
  joinSide(): JoinSide {
    const base = { url: this.server.url, conversationId: this.conversationId };
    return {
      system: 'plaza',
      path: '/plaza.html',
      publisher: { ...base, token: this.#tokens.publisher as string },
      subscriber: () => ({ ...base, token: this.#tokens.viewer as string }),
    };
  }

  /** Tokens and conversation for the Node clients. */
  nodeConfig(): PlazaNodeConfig {
    return { conversationId: this.conversationId, tokens: { ...this.#tokens } };
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.server.stop();
  }
}
