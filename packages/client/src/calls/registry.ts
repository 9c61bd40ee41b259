import type { CallManager } from './CallManager.js';

/**
 * @internal Links a client's conversations to its call manager. Conversations know their client only
 * through the context objects they share; the client's file manager is one of them, one per client.
 */
const managers = new WeakMap<object, CallManager>();

/** @internal Registers the call manager of the client owning `key`. */
export function registerCallManager(key: object, manager: CallManager): void {
  managers.set(key, manager);
}

/** @internal The call manager of the client owning `key`. */
export function callManagerFor(key: object): CallManager | undefined {
  return managers.get(key);
}
