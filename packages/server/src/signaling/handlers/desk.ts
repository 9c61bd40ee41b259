import type { DeskRequestMap } from '@plaza/protocol';
import { alertHandlers } from './alerts.js';
import { deskDirectoryHandlers } from './deskDirectory.js';
import { deskRequestHandlers } from './deskRequests.js';
import type { HandlerMap } from './types.js';

/** Handlers of the citizen desk's requests (routing, queues, alerts). */
export const deskHandlers: Pick<HandlerMap, keyof DeskRequestMap> = {
  ...deskDirectoryHandlers,
  ...alertHandlers,
  ...deskRequestHandlers,
};
