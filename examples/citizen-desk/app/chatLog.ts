import type { Conversation, Member, Message } from '@plaza/client';
import { personName } from '../city.js';
import { el, errorText, formatTime, nextId, showError } from './dom.js';

/**
 * The conversation of a request: its messages (an `aria-live` log, so new ones are read out) with
 * photos as thumbnails, and a form to write.
 */
export class ChatLog {
  readonly element: HTMLElement;
  readonly #conversation: Conversation;
  /** The scrolling live region. */
  readonly #region: HTMLDivElement;
  readonly #log: HTMLOListElement;
  readonly #seen = new Set<number>();
  readonly #names = new Map<string, string>();
  readonly #myId: string;
  readonly #onMessage = (message: Message) => this.#append(message);
  readonly #onMember = (member: Member) => this.#names.set(member.userId, member.name);

  constructor(conversation: Conversation, myId: string) {
    this.#conversation = conversation;
    this.#myId = myId;
    const heading = nextId('chat-heading');
    const inputId = nextId('chat-text');
    this.#log = el('ol', {});
    // Focusable so keyboard users can scroll it; a log region, so new messages are read out.
    this.#region = el('div', { class: 'messages', role: 'log', 'aria-live': 'polite', 'aria-labelledby': heading, tabindex: 0 }, this.#log);
    const input = el('textarea', { id: inputId, rows: 2, maxlength: 4000, required: true });
    const form = el('form', { class: 'chat-form' }, el('label', { for: inputId }, 'Your message'), input, el('button', { type: 'submit' }, 'Send message'));
    this.element = el('section', { class: 'chat', 'aria-labelledby': heading }, el('h3', { id: heading }, 'Messages'), this.#region, form);

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      showError('');
      this.#conversation.send(text).catch((error: unknown) => showError(`Your message was not sent: ${errorText(error)}`));
    });
    // Enter sends, Shift+Enter starts a new line (as in most chat apps).
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    conversation.on('message', this.#onMessage);
    conversation.on('memberAdded', this.#onMember);
    void this.#load();
  }

  /** Stops listening (the panel closes). */
  close(): void {
    this.#conversation.off('message', this.#onMessage);
    this.#conversation.off('memberAdded', this.#onMember);
  }

  async #load(): Promise<void> {
    try {
      for (const member of await this.#conversation.members()) this.#names.set(member.userId, member.name);
      const page = await this.#conversation.history({ limit: 100 });
      for (const message of page.messages) this.#append(message);
      await this.#conversation.markRead().catch(() => undefined);
    } catch (error) {
      showError(`Could not load the messages: ${errorText(error)}`);
    }
  }

  #name(userId: string): string {
    if (userId === this.#myId) return 'You';
    return this.#names.get(userId) ?? personName(userId);
  }

  #append(message: Message): void {
    if (this.#seen.has(message.seq)) return;
    this.#seen.add(message.seq);
    const system = message.kind === 'system';
    const item = el(
      'li',
      { class: system ? 'message system' : message.senderId === this.#myId ? 'message mine' : 'message', 'data-seq': message.seq },
      system ? null : el('span', { class: 'sender' }, el('bdi', {}, this.#name(message.senderId)), ': '),
      message.text ? el('span', { class: 'text', dir: 'auto' }, message.text) : null,
      el('time', { datetime: message.createdAt }, ` ${formatTime(message.createdAt)}`),
    );
    for (const attachment of message.attachments) {
      if (!attachment.image) continue;
      const img = el('img', { alt: `Photo: ${attachment.name}`, class: 'photo' });
      const link = el('a', { href: '#', class: 'photo-link' }, img);
      item.append(link);
      // Signed URLs expire: fetch them when shown (thumbnail) and when opened (original).
      this.#conversation.attachmentUrl(attachment, attachment.image.hasThumbnail ? 'thumbnail' : 'original').then((url) => (img.src = url), () => undefined);
      this.#conversation.attachmentUrl(attachment).then((url) => (link.href = url), () => undefined);
      link.target = '_blank';
      link.rel = 'noopener';
    }
    // Keep the log in seq order even when history and live messages interleave.
    const after = [...this.#log.children].find((li) => Number((li as HTMLElement).dataset.seq) > message.seq);
    this.#log.insertBefore(item, after ?? null);
    this.#region.scrollTop = this.#region.scrollHeight;
  }
}
