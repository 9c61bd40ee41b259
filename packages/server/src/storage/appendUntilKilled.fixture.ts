/**
 * Test fixture for the crash test (not part of the package): opens the store at argv[2] and keeps
 * appending to the conversations listed in argv[3] (comma-separated), several at a time, printing
 * `<conversationId> <seq> <messageId>` for each append once it has resolved (committed). The test
 * kills it with SIGKILL mid-stream.
 */
import { createSqliteChatStore } from './SqliteChatStore.js';

const [filename, list] = process.argv.slice(2);
if (!filename || !list) throw new Error('usage: appendUntilKilled.fixture.ts <db file> <conversation ids>');
const conversationIds = list.split(',');
const store = createSqliteChatStore({ filename, synchronous: 'full' });
await store.migrate();
process.stdout.write('ready\n');

let n = 0;
for (;;) {
  const round = conversationIds.flatMap((conversationId) =>
    Array.from({ length: 5 }, () => {
      n += 1;
      return store
        .appendMessage({ conversationId, senderId: 'writer', clientId: `k${n}`, kind: 'user', text: `message ${n}`, replyTo: null, mentions: [] })
        .then(({ message }) => {
          process.stdout.write(`${message.conversationId} ${message.seq} ${message.id}\n`);
        });
    }),
  );
  await Promise.all(round);
}
