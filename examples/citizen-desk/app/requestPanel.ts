import type { Conversation, PlazaClient } from '@plaza/client';
import type { CitizenRequest } from '@plaza/protocol';
import { DEPARTMENTS, departmentName, personName, topicName } from '../city.js';
import { CallPanel } from './callPanel.js';
import { ChatLog } from './chatLog.js';
import { announce, el, errorText, formatTime, nextId, showError } from './dom.js';
import { statusText } from './labels.js';

/** Who looks at the request: the citizen who opened it, or an agent. */
export type Viewer = 'citizen' | 'agent';

/**
 * One request, opened: what was reported, where, its status (updated live), the resolution once
 * there is one, the conversation, the video call and — for agents and for the citizen — what they
 * can do with it now.
 */
export class RequestPanel {
  readonly element: HTMLElement;
  readonly conversationId: string;
  readonly call: CallPanel;
  readonly #plaza: PlazaClient;
  readonly #viewer: Viewer;
  readonly #chat: ChatLog;
  readonly #heading: HTMLHeadingElement;
  readonly #status: HTMLElement;
  readonly #details: HTMLDListElement;
  readonly #resolution: HTMLElement;
  readonly #actions: HTMLElement;
  #request: CitizenRequest;

  constructor(plaza: PlazaClient, conversation: Conversation, request: CitizenRequest, viewer: Viewer) {
    this.#plaza = plaza;
    this.#viewer = viewer;
    this.#request = request;
    this.conversationId = request.conversationId;
    const headingId = nextId('request-heading');
    this.#heading = el('h2', { id: headingId, tabindex: -1 }, topicName(request.topicId));
    this.#status = el('span', { class: 'status-badge' });
    this.#details = el('dl', { class: 'details' });
    this.#resolution = el('section', { class: 'resolution', hidden: true, 'aria-label': 'Resolution' });
    this.#actions = el('div', { class: 'actions' });
    this.#chat = new ChatLog(conversation, plaza.user?.id ?? '');
    this.call = new CallPanel(plaza, conversation);
    this.element = el(
      'section',
      { class: 'request-panel', 'aria-labelledby': headingId },
      this.#heading,
      el('p', { class: 'status-line' }, 'Status: ', this.#status),
      this.#details,
      this.#resolution,
      el('div', { class: 'columns' }, this.#chat.element, this.call.element),
      this.#actions,
    );
    this.#render();
  }

  /** The request as last seen. */
  get request(): CitizenRequest {
    return this.#request;
  }

  /** Moves keyboard focus to the panel's heading (after opening it). */
  focus(): void {
    this.#heading.focus();
  }

  /** A newer state of the request arrived. */
  update(request: CitizenRequest): void {
    if (request.conversationId !== this.conversationId) return;
    this.#request = request;
    this.#render();
  }

  /** Closes the panel: leaves its call, stops listening. */
  async close(): Promise<void> {
    this.#chat.close();
    await this.call.leave();
    this.element.remove();
  }

  #render(): void {
    const r = this.#request;
    this.#status.textContent = statusText(r, this.#viewer);
    this.#status.dataset.status = r.status;
    const rows: [string, string][] = [
      ['Reported', `${formatTime(r.createdAt)}${this.#viewer === 'agent' ? ` by ${personName(r.citizenId)}` : ''}`],
      ['Department', departmentName(r.departmentId)],
      ['Description', r.description],
    ];
    if (r.location) rows.push(['Where', `${r.location.address ? `${r.location.address} ` : ''}(${r.location.lat.toFixed(5)}, ${r.location.lng.toFixed(5)})`]);
    if (this.#viewer === 'agent' && r.transferNote) rows.push(['Transfer note', r.transferNote]);
    if (r.externalRef) rows.push(['Case number', r.externalRef]);
    this.#details.replaceChildren(...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', { dir: 'auto' }, value)]));

    this.#resolution.hidden = r.status !== 'resolved';
    this.#resolution.replaceChildren(el('h3', {}, 'Resolution'), el('p', { dir: 'auto' }, r.resolution ?? 'Resolved.'));
    if (r.resolvedAt) this.#resolution.append(el('p', { class: 'note' }, `Resolved ${formatTime(r.resolvedAt)}.`));
    this.#renderActions();
  }

  #renderActions(): void {
    const r = this.#request;
    const me = this.#plaza.user?.id;
    const parts: HTMLElement[] = [];
    if (this.#viewer === 'citizen') {
      if (r.status === 'resolved') parts.push(this.#button('Reopen request', () => this.#plaza.requests.reopen(r.conversationId), 'Your request is back in the queue.'));
    } else {
      const mine = r.assigneeId === me;
      if (r.status === 'queued') parts.push(this.#button('Claim request', () => this.#plaza.desk.claim(r.conversationId), 'You claimed the request.'));
      if (r.status === 'claimed' && mine) parts.push(this.#noteForm('Put on hold', 'Note for the citizen (optional)', false, (note) => this.#plaza.desk.hold(r.conversationId, note), 'The request is on hold.'));
      if (r.status === 'on_hold' && mine) parts.push(this.#button('Resume request', () => this.#plaza.desk.resume(r.conversationId), 'The request is being worked on again.'));
      if ((r.status === 'claimed' || r.status === 'on_hold') && mine) {
        parts.push(this.#noteForm('Resolve request', 'Resolution (the citizen reads it)', true, (note) => this.#plaza.desk.resolve(r.conversationId, note), 'The request is resolved.'));
      }
      if (r.status === 'queued' || ((r.status === 'claimed' || r.status === 'on_hold') && mine)) parts.push(this.#transferForm());
      if (r.status === 'resolved') parts.push(this.#button('Reopen request', () => this.#plaza.desk.reopen(r.conversationId), 'The request is back in the queue.'));
    }
    const heading = nextId('actions-heading');
    this.#actions.replaceChildren(...(parts.length ? [el('h3', { id: heading }, 'What you can do'), el('div', { class: 'action-list', role: 'group', 'aria-labelledby': heading }, ...parts)] : []));
  }

  /** Runs an action, reports its outcome and shows the request's new state. */
  async #run(action: () => Promise<CitizenRequest>, done: string, control: HTMLButtonElement): Promise<void> {
    showError('');
    control.disabled = true;
    try {
      const request = await action();
      announce(done);
      this.update(request);
    } catch (error) {
      showError(errorText(error));
      control.disabled = false;
    }
  }

  #button(label: string, action: () => Promise<CitizenRequest>, done: string): HTMLButtonElement {
    const button = el('button', { type: 'button' }, label);
    button.addEventListener('click', () => void this.#run(action, done, button));
    return button;
  }

  #noteForm(label: string, noteLabel: string, required: boolean, action: (note: string | undefined) => Promise<CitizenRequest>, done: string): HTMLFormElement {
    const id = nextId('note');
    const note = el('textarea', { id, rows: 2, maxlength: 2000, required });
    const submit = el('button', { type: 'submit' }, label);
    const form = el('form', { class: 'action-form' }, el('label', { for: id }, noteLabel), note, submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = note.value.trim();
      void this.#run(() => action(text || undefined), done, submit);
    });
    return form;
  }

  #transferForm(): HTMLFormElement {
    const r = this.#request;
    const selectId = nextId('transfer-to');
    const noteId = nextId('transfer-note');
    const select = el('select', { id: selectId, required: true }, ...DEPARTMENTS.filter((d) => d.id !== r.departmentId).map((d) => el('option', { value: d.id }, d.name)));
    const note = el('textarea', { id: noteId, rows: 2, maxlength: 2000, required: true });
    const submit = el('button', { type: 'submit' }, 'Transfer request');
    const form = el(
      'form',
      { class: 'action-form' },
      el('label', { for: selectId }, 'Transfer to'),
      select,
      el('label', { for: noteId }, 'Note for the next agent'),
      note,
      submit,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const to = select.value;
      void this.#run(() => this.#plaza.desk.transfer(r.conversationId, to, note.value.trim()), `The request was passed to ${departmentName(to)}.`, submit);
    });
    return form;
  }
}
