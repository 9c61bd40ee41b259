/**
 * The bot's settings from environment variables, each with a default that works on one machine.
 * See the README for the list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDepartments } from './departments.js';
import type { Department } from './departments.js';

/** A setting that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Settings of the start command (main.ts). */
export interface FaqBotConfig {
  /** Set when the bot runs against an existing server (PLAZA_URL + PLAZA_API_KEY + PLAZA_API_SECRET). */
  external: { url: string; apiKey: string; apiSecret: string } | null;
  /** The embedded server's port (PLAZA_PORT or PORT, default 7700). */
  port: number;
  /** The embedded server's address (PLAZA_HOST or HOST, default 127.0.0.1). */
  host: string;
  /** The embedded server's data directory (PLAZA_DATA_DIR, default ./plaza-data-faq-bot). */
  dataDir: string;
  /** The bot's user id (FAQ_BOT_ID, default faq-bot). */
  botId: string;
  /** The bot's display name (FAQ_BOT_NAME, default City help bot). */
  botName: string;
  /** Departments by topic (FAQ_BOT_DEPARTMENTS as JSON, narrowed by FAQ_BOT_TOPICS). */
  departments: Record<string, Department>;
  /** Unanswered questions before a handover (FAQ_BOT_MAX_UNANSWERED, default 2). */
  maxUnanswered: number;
  /** Webhook listener address (FAQ_BOT_WEBHOOK_HOST, default 127.0.0.1). */
  webhookHost: string;
  /** Webhook listener port (FAQ_BOT_WEBHOOK_PORT, default 0: any free port). */
  webhookPort: number;
  /** The URL Plaza should deliver to, if not the listener's own (FAQ_BOT_WEBHOOK_URL). */
  webhookPublicUrl: string | undefined;
}

function integer(env: NodeJS.ProcessEnv, names: string[], fallback: number, min: number, max: number): number {
  const name = names.find((n) => env[n] !== undefined && env[n] !== '');
  if (!name) return fallback;
  const value = Number(env[name]);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${env[name]}"`);
  return value;
}

function isDepartment(value: unknown): value is Department {
  const d = value as Department;
  return (
    typeof d === 'object' && d !== null && typeof d.name === 'string' && typeof d.about === 'string' &&
    typeof d.agent === 'object' && d.agent !== null && typeof d.agent.id === 'string' && typeof d.agent.name === 'string'
  );
}

function departmentsFrom(env: NodeJS.ProcessEnv): Record<string, Department> {
  let departments: Record<string, Department> = { ...defaultDepartments };
  const json = env.FAQ_BOT_DEPARTMENTS;
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new ConfigError('FAQ_BOT_DEPARTMENTS must be JSON: {"<topic>": {"name": "...", "about": "...", "agent": {"id": "...", "name": "..."}}}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every(isDepartment)) {
      throw new ConfigError('FAQ_BOT_DEPARTMENTS must map topics to {"name", "about", "agent": {"id", "name"}}');
    }
    departments = parsed as Record<string, Department>;
  }
  const topics = env.FAQ_BOT_TOPICS?.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (topics && topics.length > 0) {
    const unknown = topics.filter((t) => !Object.hasOwn(departments, t));
    if (unknown.length > 0) throw new ConfigError(`FAQ_BOT_TOPICS names topics without a department: ${unknown.join(', ')} (known: ${Object.keys(departments).join(', ')})`);
    departments = Object.fromEntries(topics.map((t) => [t, departments[t] as Department]));
  }
  return departments;
}

/**
 * Reads the settings from the environment.
 *
 * @param env - the environment, usually `process.env`
 * @throws ConfigError naming the variable when a value cannot be used
 */
export function readConfig(env: NodeJS.ProcessEnv): FaqBotConfig {
  const url = env.PLAZA_URL;
  const apiKey = env.PLAZA_API_KEY;
  const apiSecret = env.PLAZA_API_SECRET;
  if (url && !(apiKey && apiSecret)) throw new ConfigError('PLAZA_URL needs PLAZA_API_KEY and PLAZA_API_SECRET too (an API key pair of that server)');
  if (url && !/^https?:\/\//.test(url)) throw new ConfigError(`PLAZA_URL must be an http(s) URL, got "${url}"`);
  return {
    external: url && apiKey && apiSecret ? { url, apiKey, apiSecret } : null,
    port: integer(env, ['PLAZA_PORT', 'PORT'], 7700, 0, 65535),
    host: env.PLAZA_HOST ?? env.HOST ?? '127.0.0.1',
    dataDir: env.PLAZA_DATA_DIR ?? './plaza-data-faq-bot',
    botId: env.FAQ_BOT_ID ?? 'faq-bot',
    botName: env.FAQ_BOT_NAME ?? 'City help bot',
    departments: departmentsFrom(env),
    maxUnanswered: integer(env, ['FAQ_BOT_MAX_UNANSWERED'], 2, 1, 100),
    webhookHost: env.FAQ_BOT_WEBHOOK_HOST ?? '127.0.0.1',
    webhookPort: integer(env, ['FAQ_BOT_WEBHOOK_PORT'], 0, 0, 65535),
    webhookPublicUrl: env.FAQ_BOT_WEBHOOK_URL || undefined,
  };
}

/**
 * The API key pair to use with the embedded server: PLAZA_API_KEY + PLAZA_API_SECRET when both
 * are set, otherwise the development pair the server generated into `<dataDir>/keys.json`.
 *
 * @param env - the environment
 * @param dataDir - the embedded server's data directory
 * @throws ConfigError when neither is there
 */
export function localKeyPair(env: NodeJS.ProcessEnv, dataDir: string): { apiKey: string; apiSecret: string } {
  if (env.PLAZA_API_KEY && env.PLAZA_API_SECRET) return { apiKey: env.PLAZA_API_KEY, apiSecret: env.PLAZA_API_SECRET };
  const file = join(dataDir, 'keys.json');
  if (!existsSync(file)) throw new ConfigError(`no API key pair: set PLAZA_API_KEY and PLAZA_API_SECRET, or start the bot once so that ${file} exists`);
  return JSON.parse(readFileSync(file, 'utf8')) as { apiKey: string; apiSecret: string };
}
