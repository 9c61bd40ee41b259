/**
 * The bot's conversation side: it listens to the conversations its Plaza client belongs to, greets
 * once, answers from the FAQ, and hands over to the department's agent. It talks to Plaza only
 * through `@plaza/client`, like any app in Node; how it gets into conversations is the job of
 * startFaqBot.ts (webhooks + REST).
 */
import type { Conversation, Member, Message, PlazaClient } from '@plaza/client';
import type { Department } from './departments.js';
import { asksForHuman, matchFaq } from './faq.js';
import type { FaqEntry } from './faq.js';

/** Why the bot handed a conversation over. */
export type HandoverReason = 'asked' | 'unanswered';

/** Options of {@link FaqBot}. */
export interface FaqBotOptions {
  /** Departments by conversation topic; the bot serves exactly these topics. */
  departments: Readonly<Record<string, Department>>;
  /** The questions it can answer. */
  faq: readonly FaqEntry[];
  /** Questions it could not answer after which it hands over by itself. @defaultValue 2 */
  maxUnanswered?: number;
  /** Where it reports what it does (one line each). @defaultValue nothing */
  log?: (line: string) => void;
}

/** What the bot keeps per conversation (in memory: a restart forgets the unanswered count). */
interface Session {
  conversation: Conversation;
  department: Department;
  /** Messages are handled one at a time, in order. */
  queue: Promise<void>;
  /** Highest `seq` handled, so a message seen both in history and live is handled once. */
  lastHandledSeq: number;
  unanswered: number;
  /** The agent is a member: the bot stays quiet from then on. */
  handedOver: boolean;
}

/**
 * Serves the conversations of its topics that its client is a member of: greets once, answers each
 * citizen message from the FAQ, and adds the topic's agent when asked for a person or after
 * `maxUnanswered` questions it could not answer.
 *
 * Everything it sends has a `clientId` derived from what it answers (`reply-<message id>`,
 * `greet-<conversation id>`, …), so a restart or a repeated event never posts the same text twice.
 */
export class FaqBot {
  readonly #client: PlazaClient;
  readonly #departments: Readonly<Record<string, Department>>;
  readonly #faq: readonly FaqEntry[];
  readonly #maxUnanswered: number;
  readonly #log: (line: string) => void;
  readonly #sessions = new Map<string, Session>();
  readonly #onAdded = (conversation: Conversation) => this.#attach(conversation);
  #closed = false;

  /**
   * @param client - a Plaza client of the bot user (connected before {@link FaqBot.start})
   * @param options - departments, FAQ and limits
   * @throws TypeError when `maxUnanswered` is not a positive integer
   */
  constructor(client: PlazaClient, options: FaqBotOptions) {
    const maxUnanswered = options.maxUnanswered ?? 2;
    if (!Number.isInteger(maxUnanswered) || maxUnanswered < 1) throw new TypeError('maxUnanswered must be an integer >= 1');
    this.#client = client;
    this.#departments = options.departments;
    this.#faq = options.faq;
    this.#maxUnanswered = maxUnanswered;
    this.#log = options.log ?? (() => {});
  }

  /** The topics it serves. */
  get topics(): string[] {
    return Object.keys(this.#departments);
  }

  /**
   * Whether the bot serves a conversation: a group whose topic has a department. Direct
   * conversations and channels are never served.
   */
  serves(conversation: { kind: string; topic: string | null }): boolean {
    return conversation.kind === 'group' && conversation.topic !== null && Object.hasOwn(this.#departments, conversation.topic);
  }

  /** Starts serving: the conversations the client already belongs to, and every one it is added to. */
  start(): void {
    this.#client.conversations.on('added', this.#onAdded);
    for (const conversation of this.#client.conversations.all) this.#attach(conversation);
  }

  /** Stops serving and waits for the messages being handled. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.conversations.off('added', this.#onAdded);
    const pending = [...this.#sessions.values()].map((s) => s.queue);
    this.#sessions.clear();
    await Promise.allSettled(pending);
  }

  /** Resolves once every conversation's queued work is done (for tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.queue));
  }

  #attach(conversation: Conversation): void {
    if (this.#closed || this.#sessions.has(conversation.id) || !this.serves(conversation)) return;
    const department = this.#departments[conversation.topic as string] as Department;
    const session: Session = { conversation, department, queue: Promise.resolve(), lastHandledSeq: 0, unanswered: 0, handedOver: false };
    this.#sessions.set(conversation.id, session);
    conversation.on('message', (message) => this.#enqueue(session, () => this.#onMessage(session, message)));
    conversation.on('memberAdded', (member) => this.#onMemberAdded(session, member));
    conversation.on('removed', () => this.#sessions.delete(conversation.id));
    this.#enqueue(session, () => this.#catchUp(session));
  }

  #enqueue(session: Session, work: () => Promise<void>): void {
    session.queue = session.queue.then(work).catch((error: unknown) => {
      this.#log(`conversation ${session.conversation.id}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /**
   * On joining (or restarting): notes whether the agent is already there, greets unless it did
   * before, and handles the citizen messages written since its own last message — such as the
   * question a citizen opened the conversation with before the bot joined.
   */
  async #catchUp(session: Session): Promise<void> {
    const { conversation } = session;
    const members = await conversation.members();
    if (members.some((m) => m.userId === session.department.agent.id)) session.handedOver = true;
    const page = await conversation.history({ limit: 100 });
    const self = this.#selfId();
    const lastOwn = page.messages.findLastIndex((m) => m.senderId === self);
    if (lastOwn === -1 && !session.handedOver) {
      this.#log(`joined ${conversation.id} (${conversation.topic ?? ''})`);
      await this.#say(session, this.#greeting(session.department), `greet-${conversation.id}`);
    }
    for (const message of page.messages.slice(lastOwn + 1)) await this.#onMessage(session, message);
    const last = page.messages.at(-1);
    if (last && last.seq > session.lastHandledSeq) session.lastHandledSeq = last.seq;
  }

  async #onMessage(session: Session, message: Message): Promise<void> {
    if (message.seq <= session.lastHandledSeq) return;
    session.lastHandledSeq = message.seq;
    if (session.handedOver || message.senderId === this.#selfId() || message.kind !== 'user' || message.deletedAt !== null) return;
    const text = message.text.trim();
    if (text.length === 0) return;
    if (asksForHuman(text)) {
      await this.#handOver(session, 'asked');
      return;
    }
    const entry = matchFaq(this.#faq, session.conversation.topic ?? '', text);
    if (entry) {
      this.#log(`answered ${session.conversation.id} with ${entry.id}`);
      await this.#say(session, entry.answer, `reply-${message.id}`, { replyTo: message.id });
      return;
    }
    session.unanswered += 1;
    if (session.unanswered >= this.#maxUnanswered) {
      await this.#handOver(session, 'unanswered');
      return;
    }
    await this.#say(
      session,
      `Sorry, I don't know the answer to that. Could you ask in other words? You can also write "person" to talk to someone from ${session.department.name}.`,
      `reply-${message.id}`,
      { replyTo: message.id },
    );
  }

  /** Adds the department's agent (the bot is a moderator) and says so in the conversation. */
  async #handOver(session: Session, reason: HandoverReason): Promise<void> {
    const { conversation, department } = session;
    const { agent } = department;
    session.handedOver = true;
    await conversation.addMembers([agent.id]);
    this.#log(`handed ${conversation.id} over to ${agent.id} (${reason})`);
    const why = reason === 'unanswered' ? "I couldn't answer your questions, so " : '';
    const text = `${why}I've asked ${agent.name} from ${department.name} to join. They will reply here as soon as they can.`;
    await this.#say(session, text.charAt(0).toUpperCase() + text.slice(1), `handover-${conversation.id}`, { mentions: [agent.id] });
  }

  #onMemberAdded(session: Session, member: Member): void {
    // Someone else (a supervisor, the CRM) may add the agent: then the bot steps back too.
    if (member.userId === session.department.agent.id) session.handedOver = true;
  }

  #greeting(department: Department): string {
    const examples = this.#faq
      .filter((e) => e.topics !== '*' && Object.entries(this.#departments).some(([topic, d]) => d === department && (e.topics as readonly string[]).includes(topic)))
      .slice(0, 2)
      .map((e) => `"${e.question}"`);
    const suggestion = examples.length > 0 ? ` For example: ${examples.join(' or ')}` : '';
    return `Hello! I'm the city's help bot for ${department.about}. I can answer common questions.${suggestion} Write "person" at any time to talk to someone from ${department.name}.`;
  }

  async #say(session: Session, text: string, clientId: string, options: { replyTo?: string; mentions?: string[] } = {}): Promise<void> {
    await session.conversation.send(text, { ...options, clientId: clientId.slice(0, 64) });
  }

  #selfId(): string {
    const user = this.#client.user;
    if (!user) throw new Error('the bot is not connected');
    return user.id;
  }
}
