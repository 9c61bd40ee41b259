import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { CallInfo, CallParticipant, CallTrack } from '../calls.js';
import type { Attachment, Conversation, Member, Message, Reaction } from '../entities.js';
import type { HistoryPage } from '../events.js';
import {
  attachmentSchema,
  callParticipantSchema,
  callSummarySchema,
  callTrackSchema,
  conversationSchema,
  memberSchema,
  messagePageSchema,
  messageSchema,
  reactionSchema,
} from './entities.js';

describe('REST entity schemas match the protocol types', () => {
  it('conversation, member, message and their parts are assignable both ways', () => {
    expectTypeOf<z.output<typeof conversationSchema>>().toEqualTypeOf<Conversation>();
    expectTypeOf<z.output<typeof memberSchema>>().toEqualTypeOf<Member>();
    expectTypeOf<z.output<typeof reactionSchema>>().toEqualTypeOf<Reaction>();
    expectTypeOf<z.output<typeof attachmentSchema>>().toEqualTypeOf<Attachment>();
    expectTypeOf<z.output<typeof messageSchema>>().toEqualTypeOf<Message>();
  });

  it('a message page holds what a history page holds', () => {
    expectTypeOf<z.output<typeof messagePageSchema>['data']>().toEqualTypeOf<HistoryPage['messages']>();
    expectTypeOf<z.output<typeof messagePageSchema>['hasMore']>().toEqualTypeOf<HistoryPage['hasMore']>();
  });

  it('calls, participants and tracks match CallInfo, CallParticipant and CallTrack', () => {
    expectTypeOf<z.output<typeof callTrackSchema>>().toEqualTypeOf<CallTrack>();
    expectTypeOf<z.output<typeof callParticipantSchema>>().toExtend<CallParticipant>();
    expectTypeOf<CallParticipant>().toExtend<z.output<typeof callParticipantSchema>>();
    expectTypeOf<z.output<typeof callSummarySchema>>().toExtend<CallInfo>();
    expectTypeOf<CallInfo>().toExtend<z.output<typeof callSummarySchema>>();
  });
});
