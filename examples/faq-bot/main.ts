/**
 * The start command (`pnpm --filter @plaza/example-faq-bot start`): starts an embedded Plaza
 * server (SQLite in ./plaza-data-faq-bot) unless PLAZA_URL, PLAZA_API_KEY and PLAZA_API_SECRET name
 * an existing one, then runs the FAQ bot until Ctrl+C, when it deletes its webhook endpoint.
 */
import { createPlazaServer } from '@plaza/server';
import type { PlazaServer } from '@plaza/server';
import { ConfigError, localKeyPair, readConfig } from './config.js';
import { startFaqBot } from './startFaqBot.js';
import type { RunningFaqBot } from './startFaqBot.js';

/** Prints a start-up problem without a stack trace and exits. */
function fail(message: string): never {
  process.stderr.write(`faq-bot: ${message}\n`);
  process.exit(1);
}

const say = (line: string) => process.stdout.write(`${line}\n`);

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig(process.env);
} catch (error) {
  fail(error instanceof ConfigError ? error.message : String(error));
}

let server: PlazaServer | null = null;
let plaza: { url: string; apiKey: string; apiSecret: string };
if (config.external) {
  plaza = config.external;
} else {
  const envKey = process.env.PLAZA_API_KEY;
  const envSecret = process.env.PLAZA_API_SECRET;
  const embedded = await createPlazaServer({
    port: config.port,
    host: config.host,
    dataDir: config.dataDir,
    logLevel: 'warn',
    ...(envKey && envSecret ? { apiKeys: { [envKey]: envSecret } } : {}),
  }).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
  server = embedded;
  const { url } = await embedded.listen().catch(async (error: unknown) => {
    await embedded.close();
    const inUse = (error as { code?: string }).code === 'EADDRINUSE';
    return fail(inUse ? `port ${config.port} is already in use; start with another one, for example PLAZA_PORT=7710` : String(error));
  });
  plaza = { url, ...localKeyPair(process.env, config.dataDir) };
}

let running: RunningFaqBot;
try {
  running = await startFaqBot({
    plazaUrl: plaza.url,
    apiKey: plaza.apiKey,
    apiSecret: plaza.apiSecret,
    botId: config.botId,
    botName: config.botName,
    departments: config.departments,
    maxUnanswered: config.maxUnanswered,
    webhookHost: config.webhookHost,
    webhookPort: config.webhookPort,
    ...(config.webhookPublicUrl ? { webhookPublicUrl: config.webhookPublicUrl } : {}),
    log: (line) => say(`faq-bot: ${line}`),
  });
} catch (error) {
  await server?.close();
  fail(`could not start: ${error instanceof Error ? error.message : String(error)}`);
}

const shown = plaza.url.replace('://127.0.0.1:', '://localhost:');
const firstTopic = Object.keys(config.departments)[0] ?? 'street-light';
const firstAgent = config.departments[firstTopic]?.agent.id ?? 'agent-lighting';
// The terminal chat finds the server and the key pair by itself when both are the defaults.
const env = config.external
  ? ''
  : `${config.port !== 7700 ? `PLAZA_URL=${shown} ` : ''}${config.dataDir !== './plaza-data-faq-bot' ? `PLAZA_DATA_DIR=${config.dataDir} ` : ''}`;
say('');
say(`FAQ bot "${config.botName}" (${config.botId}) is running on ${shown}, serving topics: ${running.bot.topics.join(', ')}.`);
say('Try it in a second terminal, from the repository root:');
say(`  ${env}pnpm --filter @plaza/example-faq-bot citizen ${firstTopic}`);
say('Ask "How long does a repair take?", then write "person". To be the agent it hands over to, in a third terminal:');
say(`  ${env}pnpm --filter @plaza/example-faq-bot citizen -- --as ${firstAgent}`);
say('Press Ctrl+C to stop.');
say('');

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    running
      .close()
      .then(() => server?.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
