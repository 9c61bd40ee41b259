/**
 * The REST baseline: a plain fastify server with no Plaza code, doing the equivalent of the three
 * Plaza operations the API benchmark calls, behind the same kind of Basic auth:
 * - `POST /v1/conversations/:id/messages`: the JSON body validated by fastify's own schema check
 *   (`{ text, clientId? }`), one row inserted into a better-sqlite3 database (WAL, synchronous FULL)
 *   and committed (its own transaction: one WAL fsync) before the 201 answer with the row;
 * - `GET /v1/conversations/:id`: one row selected by primary key (404 when missing);
 * - `GET /v1/conversations/:id/messages?limit=N`: the latest N rows of the conversation by index.
 * Every request first checks `Authorization: Basic base64(key:secret)` with `timingSafeEqual`.
 *
 * fastify is not a dependency of the bench package; the baseline loads the copy `@plaza/server`
 * depends on (the same version Plaza runs on).
 *
 * Run as a child process by `api.ts`: `node --import tsx bench/api/plain-api-server.ts <dir> <conversationId>`
 * with `PLAIN_API_KEY` / `PLAIN_API_SECRET` in the environment. Listens on 127.0.0.1 on a free port and
 * prints `{"msg":"listening","port":N}`.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [dir, conversationId] = process.argv.slice(2);
const apiKey = process.env.PLAIN_API_KEY;
const apiSecret = process.env.PLAIN_API_SECRET;
if (!dir || !conversationId || !apiKey || !apiSecret) throw new Error('usage: PLAIN_API_KEY=… PLAIN_API_SECRET=… plain-api-server.ts <dir> <conversationId>');

/** The few fastify and better-sqlite3 calls used here (typed locally: the bench has neither's types). */
interface Reply {
  code(status: number): Reply;
  header(name: string, value: string): Reply;
  send(payload?: unknown): Reply;
}
interface Request {
  headers: Record<string, string | string[] | undefined>;
  params: { id: string };
  query: { limit: number };
  body: { text: string; clientId?: string };
}
type Handler = (req: Request, reply: Reply) => unknown;
interface App {
  addHook(name: 'preValidation', hook: (req: Request, reply: Reply) => Promise<unknown>): void;
  get(path: string, options: object, handler: Handler): void;
  post(path: string, options: object, handler: Handler): void;
  listen(options: { port: number; host: string }): Promise<string>;
  server: { address(): { port: number } | string | null };
  close(): Promise<void>;
}
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): Statement;
  close(): void;
}

const serverPackage = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'packages/server/package.json');
const load = createRequire(serverPackage);
const fastify = load('fastify') as (options: object) => App;
const Sqlite = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => Database;

const db = new Sqlite(join(dir, 'plain.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT, created_by TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, sender_id TEXT NOT NULL,
    client_id TEXT, text TEXT NOT NULL, created_at TEXT NOT NULL,
    UNIQUE (conversation_id, seq), UNIQUE (conversation_id, client_id)
  );
`);
db.prepare('INSERT OR IGNORE INTO conversations (id, kind, title, created_by, created_at) VALUES (?, ?, ?, ?, ?)').run(
  conversationId,
  'group',
  'bench api',
  'bench-owner',
  new Date().toISOString(),
);
const insertMessage = db.prepare('INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
const selectConversation = db.prepare('SELECT id, kind, title, created_by AS createdBy, created_at AS createdAt FROM conversations WHERE id = ?');
const selectLatest = db.prepare(
  'SELECT id, conversation_id AS conversationId, seq, sender_id AS senderId, client_id AS clientId, text, created_at AS createdAt FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?',
);
/** Next seq per conversation, kept in memory (the baseline inserts exactly one row per write). */
const seqs = new Map<string, number>();

const expected = Buffer.from(apiSecret, 'utf8');
/** Whether the Basic credentials are the server's key and secret, compared in constant time. */
function authorised(header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || decoded.slice(0, colon) !== apiKey) return false;
  const given = Buffer.from(decoded.slice(colon + 1), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const app = fastify({ logger: false });
app.addHook('preValidation', async (req, reply) => {
  if (!authorised(req.headers.authorization)) return reply.code(401).header('www-authenticate', 'Basic realm="plain"').send({ error: { code: 'UNAUTHENTICATED' } });
  return undefined;
});
const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] };

app.post(
  '/v1/conversations/:id/messages',
  {
    schema: {
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['text'],
        properties: { text: { type: 'string', minLength: 1, maxLength: 4000 }, clientId: { type: 'string', minLength: 1, maxLength: 64 } },
      },
    },
  },
  (req, reply) => {
    const conversation = req.params.id;
    const seq = (seqs.get(conversation) ?? 0) + 1;
    seqs.set(conversation, seq);
    const row = {
      id: randomUUID(),
      conversationId: conversation,
      seq,
      senderId: `api:${apiKey}`,
      clientId: req.body.clientId ?? null,
      text: req.body.text,
      createdAt: new Date().toISOString(),
    };
    // Autocommit: the row is committed (and the WAL fsynced) before the answer.
    insertMessage.run(row.id, row.conversationId, row.seq, row.senderId, row.clientId, row.text, row.createdAt);
    return reply.code(201).send(row);
  },
);

app.get('/v1/conversations/:id', { schema: { params: idParams } }, (req, reply) => {
  const row = selectConversation.get(req.params.id);
  return row ? reply.send(row) : reply.code(404).send({ error: { code: 'CONVERSATION_NOT_FOUND' } });
});

app.get(
  '/v1/conversations/:id/messages',
  {
    schema: {
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
    },
  },
  (req, reply) => {
    const rows = selectLatest.all(req.params.id, req.query.limit + 1);
    const hasMore = rows.length > req.query.limit;
    return reply.send({ data: rows.slice(0, req.query.limit).reverse(), hasMore });
  },
);

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);

const stop = () => {
  void app.close().finally(() => {
    db.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
