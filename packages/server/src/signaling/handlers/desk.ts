import { ErrorCode } from '@plaza/protocol';
import type { DeskRequestMap } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import { alertHandlers } from './alerts.js';
import { deskDirectoryHandlers } from './deskDirectory.js';
import { deskRequestHandlers } from './deskRequests.js';
import type { HandlerMap } from './types.js';

/** Until the desk service answers them: a clear, stable refusal instead of a missing handler. */
const notYet = async (): Promise<never> => {
  throw new PlazaError(ErrorCode.UNAVAILABLE, 'the citizen desk is not available on this server yet');
};

/** Handlers of the citizen desk's requests (routing, queues, alerts). */
export const deskHandlers: Pick<HandlerMap, keyof DeskRequestMap> = {
  ...deskDirectoryHandlers,
  ...alertHandlers,
  ...deskRequestHandlers,
};
