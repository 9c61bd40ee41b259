import { EventEmitter } from 'eventemitter3';
import type { Logger } from '../logger.js';

type Listener = (...args: never[]) => unknown;

/**
 * An `EventEmitter` whose listeners cannot break the SDK: a listener that throws is logged and the
 * other listeners still run. Listeners are wrapped when added; `off(event, fn)` still works with
 * the original function.
 */
export class SafeEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  readonly #logger: () => Logger;
  readonly #wrapped = new WeakMap<Listener, Listener>();
  readonly #name: string;

  /**
   * @param name - what to call this emitter in logs
   * @param logger - where a throwing listener is reported (a function, so it can be swapped later)
   */
  constructor(name: string, logger: () => Logger) {
    super();
    this.#name = name;
    this.#logger = logger;
  }

  #wrap<F>(event: unknown, fn: F): F {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    const original = fn as unknown as Listener;
    let wrapped = this.#wrapped.get(original);
    if (!wrapped) {
      const logger = this.#logger;
      const name = this.#name;
      wrapped = function (this: unknown, ...args: never[]) {
        try {
          const result = original.apply(this, args);
          if (result instanceof Promise) {
            result.catch((error: unknown) => logger().warn('an async event listener rejected', { emitter: name, event: String(event), error }));
          }
        } catch (error) {
          logger().warn('an event listener threw', { emitter: name, event: String(event), error });
        }
      };
      this.#wrapped.set(original, wrapped);
    }
    return wrapped as unknown as F;
  }

  #unwrap<F>(fn: F): F {
    if (typeof fn !== 'function') return fn;
    return (this.#wrapped.get(fn as unknown as Listener) as unknown as F) ?? fn;
  }

  /** Adds a listener. A listener that throws is logged, never rethrown. */
  override on<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    return super.on(event, this.#wrap(event, fn), context);
  }

  /** Same as {@link SafeEmitter.on}. */
  override addListener<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn: EventEmitter.EventListener<Events, T>,
    context?: unknown,
  ): this {
    return super.on(event, this.#wrap(event, fn), context);
  }

  /** Adds a listener that runs at most once. */
  override once<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    return super.once(event, this.#wrap(event, fn), context);
  }

  /** Removes a listener added with `on`, `addListener` or `once`. */
  override off<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn?: EventEmitter.EventListener<Events, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    return super.removeListener(event, this.#unwrap(fn), context, once);
  }

  /** Same as {@link SafeEmitter.off}. */
  override removeListener<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn?: EventEmitter.EventListener<Events, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    return super.removeListener(event, this.#unwrap(fn), context, once);
  }
}
