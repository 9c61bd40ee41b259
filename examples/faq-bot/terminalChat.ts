import type { Conversation, Message } from '@plaza/client';

/** Options of {@link followConversation}. */
export interface FollowOptions {
  /** The user of this terminal: their own messages are shown as "you". */
  identity: string;
  /** Writes one line. */
  print: (line: string) => void;
  /** Earlier messages shown first. @default 20 */
  historyLimit?: number;
}

/**
 * Prints a conversation in a terminal: the last `historyLimit` earlier user messages as
 * "<name>: <text>" (names from its member list), then every new one as it arrives, and members
 * who join.
 *
 * The live listener is attached before history and members are read, and what it receives
 * meanwhile is buffered: a message stored while those requests run (a bot's handover line right
 * after it added this user) is in neither the history page nor — had the listener come later —
 * the live events. History and buffer overlap instead, so each message is printed once, by `seq`.
 *
 * @param conversation - the conversation to follow
 * @param options - see {@link FollowOptions}
 */
export async function followConversation(conversation: Conversation, options: FollowOptions): Promise<void> {
  const { identity, print } = options;
  let names = new Map<string, string>();
  let lastSeq = 0;
  let buffer: Message[] | null = [];
  // Earlier messages are indented, new ones are not.
  const show = (m: Message, earlier = false) => {
    if (m.seq <= lastSeq) return;
    lastSeq = m.seq;
    const sender = m.senderId === identity ? 'you' : (names.get(m.senderId) ?? m.senderId);
    if (m.kind === 'user') print(`${earlier ? '  ' : ''}${sender}: ${m.text}`);
  };
  conversation.on('message', (m) => (buffer ? buffer.push(m) : show(m)));
  conversation.on('memberAdded', (member) => {
    names.set(member.userId, member.name);
    print(`  (${member.name} joined)`);
  });

  const [page, members] = await Promise.all([conversation.history({ limit: options.historyLimit ?? 20 }), conversation.members()]);
  names = new Map([...members.map((m): [string, string] => [m.userId, m.name]), ...names]);
  const earlier = new Set(page.messages.map((m) => m.seq));
  for (const m of [...page.messages, ...buffer].sort((a, b) => a.seq - b.seq)) show(m, earlier.has(m.seq));
  buffer = null;
}
