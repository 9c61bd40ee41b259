import { ErrorCode, requestSchemas } from '@plaza/protocol';
import type { Ack, RequestName } from '@plaza/protocol';
import type { Logger } from 'pino';
import { PlazaError, toPlazaError } from '../errors.js';
import { lazyChild } from '../logger.js';
import type { PlazaSocket, RequestContext, SignalingContext } from './context.js';
import { SendSequencer } from './SendSequencer.js';
import type { SendTicket } from './SendSequencer.js';
import type { Handler, HandlerMap } from './handlers/types.js';

/** Requests that also spend from the per-user message bucket. */
const MESSAGE_EVENTS: ReadonlySet<string> = new Set<RequestName>(['message:send', 'message:edit']);
/**
 * The media plumbing of calls: spends from the per-user `media` bucket instead of `requests`.
 * Joining a call of n participants sends about 2n consumes and resumes at once.
 */
const MEDIA_EVENTS: ReadonlySet<string> = new Set<RequestName>([
  'call:connectTransport',
  'call:restartIce',
  'call:produce',
  'call:unpublish',
  'call:setTrackMuted',
  'call:consume',
  'call:setConsumerPaused',
  'call:setConsumerLayers',
  'call:produceData',
  'call:consumeData',
]);

type AckFn = (answer: Ack<unknown>) => void;
type RawSocket = {
  on(event: string, listener: (...args: unknown[]) => void): void;
  onAny(listener: (event: string, ...args: unknown[]) => void): void;
};

function isRequestName(name: string): name is RequestName {
  return Object.hasOwn(requestSchemas, name);
}

function safeAck(ack: AckFn, answer: Ack<unknown>): void {
  try {
    ack(answer);
  } catch {
    // The client is gone or sent a broken callback; nothing to do.
  }
}

/**
 * Wires every request of the protocol on one socket: ignore it without an ack callback, apply
 * the per-user rate limits, parse the payload with its zod schema, run its handler, answer
 * `Ack<T>` and count the outcome. A bad request never changes state and never closes the socket.
 * Unknown events with an ack callback are answered `UNKNOWN_EVENT`.
 */
export function registerDispatcher(ctx: SignalingContext, socket: PlazaSocket, handlers: HandlerMap): void {
  const raw = socket as unknown as RawSocket;
  const { user, grants, ip } = socket.data;
  // Loggers are created on first use: most requests never log.
  const baseLogger = lazyChild(ctx.logger, { component: 'signaling', userId: user.id, socketId: socket.id });

  const sends = new SendSequencer();

  const run = async (event: RequestName, payload: unknown, ack: AckFn, sendTicket: SendTicket | undefined): Promise<void> => {
    const stopTimer = ctx.metrics.requestSeconds.startTimer({ event });
    let logger: Logger | undefined;
    const log = () => (logger ??= baseLogger().child({ event }));
    let answer: Ack<unknown>;
    try {
      if (ctx.isClosing()) throw new PlazaError(ErrorCode.UNAVAILABLE, 'the server is shutting down; retry later');
      await takeTokens(ctx, event, user.id);
      const schema = requestSchemas[event];
      const parsed = schema.safeParse(payload === undefined ? {} : payload);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({
          path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
          message: i.message,
        }));
        // Name the first issue like the REST API does ("invalid request: body.kind: …"); all are in details.
        const first = issues[0];
        const where = first ? `: ${first.path.length > 0 ? `${first.path.join('.')}: ` : ''}${first.message}` : '';
        throw new PlazaError(ErrorCode.INVALID_REQUEST, `invalid ${event} request${where}`, { details: { issues } });
      }
      const requestContext: RequestContext = {
        server: ctx,
        socket,
        user,
        grants,
        ip,
        get logger() {
          return log();
        },
      };
      if (sendTicket) requestContext.sendTicket = sendTicket;
      const handler = handlers[event] as Handler<typeof event>;
      const data = await handler(requestContext, parsed.data as never);
      answer = { ok: true, data };
    } catch (error) {
      const plazaError = toPlazaError(error);
      if (plazaError.code === ErrorCode.INTERNAL) log().error({ err: error }, 'request failed unexpectedly');
      else if (ctx.logger.isLevelEnabled('debug')) log().debug({ code: plazaError.code }, 'request refused');
      answer = { ok: false, error: plazaError.toWire() };
    } finally {
      sendTicket?.release();
    }
    stopTimer();
    ctx.metrics.requests.inc({ event, outcome: answer.ok ? 'ok' : answer.error.code });
    safeAck(ack, answer);
  };

  for (const event of Object.keys(requestSchemas) as RequestName[]) {
    raw.on(event, (...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack !== 'function') return;
      const payload = args.length >= 2 ? args[0] : undefined;
      const ticket = event === 'message:send' ? sends.enter() : undefined;
      const p = run(event, payload, ack as AckFn, ticket).finally(() => ctx.inflight.delete(p));
      ctx.inflight.add(p);
    });
  }

  raw.onAny((event: string, ...args: unknown[]) => {
    if (isRequestName(event)) return;
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return;
    void (async () => {
      const decision = await ctx.limiters.requests.consume(user.id);
      ctx.metrics.requests.inc({ event: 'unknown', outcome: decision.allowed ? ErrorCode.UNKNOWN_EVENT : ErrorCode.RATE_LIMITED });
      safeAck(
        ack as AckFn,
        decision.allowed
          ? { ok: false, error: { code: ErrorCode.UNKNOWN_EVENT, message: `unknown event ${String(event).slice(0, 64)}` } }
          : { ok: false, error: { code: ErrorCode.RATE_LIMITED, message: 'too many requests; slow down', details: { retryAfterMs: decision.retryAfterMs } } },
      );
    })().catch((error: unknown) => baseLogger().error({ err: error }, 'answering an unknown event failed'));
  });
}

async function takeTokens(ctx: SignalingContext, event: RequestName, userId: string): Promise<void> {
  const bucket = MEDIA_EVENTS.has(event) ? ctx.limiters.media : ctx.limiters.requests;
  const decisions = [await bucket.consume(userId)];
  if (MESSAGE_EVENTS.has(event)) decisions.push(await ctx.limiters.messages.consume(userId));
  for (const decision of decisions) {
    if (!decision.allowed) {
      throw new PlazaError(ErrorCode.RATE_LIMITED, 'too many requests; slow down', { details: { retryAfterMs: decision.retryAfterMs } });
    }
  }
}
