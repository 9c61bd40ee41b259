import { callHandlers } from './call.js';
import { callMediaHandlers } from './callMedia.js';
import { callModerationHandlers } from './callModeration.js';
import { conversationHandlers } from './conversation.js';
import { deskHandlers } from './desk.js';
import { fileHandlers } from './file.js';
import { memberHandlers } from './members.js';
import { messageHandlers } from './message.js';
import { presenceHandlers } from './presence.js';
import { readHandlers } from './read.js';
import { sessionHandlers } from './session.js';
import type { HandlerMap } from './types.js';
import { typingHandlers } from './typing.js';

/** Every request handler of the protocol (the type makes a missing one a compile error). */
export const handlers: HandlerMap = {
  ...sessionHandlers,
  ...conversationHandlers,
  ...memberHandlers,
  ...messageHandlers,
  ...readHandlers,
  ...typingHandlers,
  ...presenceHandlers,
  ...fileHandlers,
  ...callHandlers,
  ...callMediaHandlers,
  ...callModerationHandlers,
  ...deskHandlers,
};
