/** Log levels, from most to least verbose. `silent` logs nothing. */
export const LogLevel = { debug: 'debug', info: 'info', warn: 'warn', error: 'error', silent: 'silent' } as const;
/** One of the {@link LogLevel} values. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/**
 * What the SDK logs through. Pass your own (pino, a console wrapper, a test spy) as the
 * `logger` option of `PlazaClient`. Context objects never carry tokens or message text.
 */
export interface Logger {
  /** Fine-grained tracing (every request). */
  debug(message: string, context?: Record<string, unknown>): void;
  /** Lifecycle (connected, reconnecting). */
  info(message: string, context?: Record<string, unknown>): void;
  /** Something went wrong but the SDK carries on (a listener threw, a retry). */
  warn(message: string, context?: Record<string, unknown>): void;
  /** Something failed for good. */
  error(message: string, context?: Record<string, unknown>): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Where {@link createLogger} writes: one function for every level. */
export type LogSink = (level: Exclude<LogLevel, 'silent'>, message: string, context?: Record<string, unknown>) => void;

/**
 * Writes to the host's console. This is the only place in the SDK that touches the console, and
 * only for what passes the level filter (`warn` and above by default).
 */
const consoleSink: LogSink = (level, message, context) => {
  const target = (globalThis as unknown as { console?: Record<string, ((...args: unknown[]) => void) | undefined> }).console;
  const write = target?.[level] ?? target?.['log'];
  if (!write) return;
  if (context === undefined) write.call(target, `[plaza] ${message}`);
  else write.call(target, `[plaza] ${message}`, context);
};

/**
 * A tiny levelled logger: messages below `level` are dropped, the rest go to `sink`.
 *
 * @param level - least severe level written @defaultValue `'warn'`
 * @param sink - where to write @defaultValue the host console
 */
export function createLogger(level: LogLevel = 'warn', sink: LogSink = consoleSink): Logger {
  const min = rank[level];
  const at = (l: Exclude<LogLevel, 'silent'>) =>
    rank[l] >= min ? (message: string, context?: Record<string, unknown>) => sink(l, message, context) : () => {};
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger('silent');
