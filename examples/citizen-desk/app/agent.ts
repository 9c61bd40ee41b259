import type { LiveQueue, PlazaClient } from '@plaza/client';
import type { CitizenRequest, Department, QueueItem, RequestChange } from '@plaza/protocol';
import { departmentName, personName, topicName } from '../city.js';
import { announce, el, errorText, formatDuration, nextId, showError } from './dom.js';
import { changeText, statusText } from './labels.js';
import { RequestPanel } from './requestPanel.js';

/** How often the waiting times on screen move on (they are not announced). */
const TICK_MS = 30_000;

/**
 * The agent's view: their department's queue (oldest first, with waiting time, updated live), the
 * requests they work on, and the open request with chat, call and actions.
 */
export class AgentView {
  readonly element: HTMLElement;
  /** Settles once the first data is shown (or its error). */
  readonly ready: Promise<void>;
  readonly #plaza: PlazaClient;
  readonly #queueList: HTMLOListElement;
  readonly #queueHeading: HTMLHeadingElement;
  readonly #mineList: HTMLUListElement;
  readonly #panelSlot: HTMLElement;
  #department: Department | null = null;
  #queue: LiveQueue | null = null;
  #mine: CitizenRequest[] = [];
  #panel: RequestPanel | null = null;

  constructor(plaza: PlazaClient) {
    this.#plaza = plaza;
    const queueHeading = nextId('queue-heading');
    const mineHeading = nextId('mine-heading');
    this.#queueHeading = el('h2', { id: queueHeading }, 'Queue');
    this.#queueList = el('ol', { class: 'queue', 'aria-labelledby': queueHeading });
    this.#mineList = el('ul', { class: 'request-list' });
    this.#panelSlot = el('div', { class: 'panel-slot' });
    this.element = el(
      'div',
      { class: 'view agent' },
      el(
        'div',
        { class: 'sidebar' },
        el('section', { 'aria-labelledby': queueHeading }, this.#queueHeading, el('p', { class: 'hint' }, 'Oldest first.'), this.#queueList),
        el('section', { 'aria-labelledby': mineHeading }, el('h2', { id: mineHeading }, 'Your requests'), this.#mineList),
      ),
      this.#panelSlot,
    );
    plaza.requests.on('requestUpdated', (change) => this.#onChange(change));
    plaza.conversations.on('removed', (conversationId) => {
      if (this.#panel?.conversationId !== conversationId) return;
      void this.#panel.close();
      this.#panel = null;
      this.#panelSlot.replaceChildren();
      this.#queueHeading.focus();
    });
    plaza.calls.on('ringing', (ring) => {
      if (this.#panel?.conversationId === ring.conversationId) this.#panel.call.ringing(ring.callerName);
      else announce(`${ring.callerName} is calling about a request. Open it to join the call.`);
    });
    this.#queueHeading.tabIndex = -1;
    setInterval(() => this.#renderQueue(), TICK_MS);
    this.ready = this.#load();
  }

  async #load(): Promise<void> {
    try {
      const departments = await this.#plaza.desk.myDepartments();
      const department = departments[0];
      if (!department) {
        this.#queueList.replaceChildren(el('li', { class: 'empty' }, 'You are not an agent of any department.'));
        return;
      }
      this.#department = department;
      this.#queueHeading.textContent = `Queue of ${department.name}`;
      this.#queue = await this.#plaza.desk.watchQueue(department.id);
      this.#queue.on('changed', () => this.#renderQueue());
      this.#renderQueue();
      await this.#loadMine();
    } catch (error) {
      showError(`Could not load the queue: ${errorText(error)}`);
    }
  }

  async #loadMine(): Promise<void> {
    if (!this.#department) return;
    this.#mine = await this.#plaza.desk.queue(this.#department.id, 'mine');
    this.#renderMine();
  }

  #renderQueue(): void {
    // The live queue computes each waiting time anew when read.
    const waiting = this.#queue?.items ?? [];
    if (waiting.length === 0) {
      this.#queueList.replaceChildren(el('li', { class: 'empty' }, 'Nobody is waiting.'));
      return;
    }
    this.#queueList.replaceChildren(
      ...waiting.map((item) => {
        const titleId = nextId('queue-item');
        const claim = el('button', { type: 'button', 'aria-describedby': titleId }, 'Claim');
        claim.addEventListener('click', () => void this.#claim(item, claim));
        const view = el('button', { type: 'button', class: 'secondary', 'aria-describedby': titleId }, 'Details');
        view.addEventListener('click', () => void this.#open(item));
        return el(
          'li',
          { class: 'queue-item', 'data-conversation': item.conversationId },
          el('p', { id: titleId, class: 'queue-title' }, el('strong', {}, topicName(item.topicId)), ' from ', el('bdi', {}, item.citizenName || personName(item.citizenId))),
          el('p', { class: 'waiting' }, `Waiting ${formatDuration(item.waitingMs)}`, item.slaMissed ? el('strong', { class: 'sla' }, ' · first-response time missed') : null),
          el('p', { class: 'excerpt', dir: 'auto' }, item.description),
          item.transferNote ? el('p', { class: 'note' }, `Transfer note: ${item.transferNote}`) : null,
          el('div', { class: 'row' }, claim, view),
        );
      }),
    );
  }

  #renderMine(): void {
    if (this.#mine.length === 0) {
      this.#mineList.replaceChildren(el('li', { class: 'empty' }, 'You are not working on any request.'));
      return;
    }
    this.#mineList.replaceChildren(
      ...this.#mine.map((r) => {
        const button = el(
          'button',
          { type: 'button', class: 'request-link', 'aria-current': this.#panel?.conversationId === r.conversationId ? 'true' : null },
          el('strong', {}, topicName(r.topicId)),
          el('span', {}, `${personName(r.citizenId)} · ${statusText(r, 'agent')}`),
        );
        button.addEventListener('click', () => void this.#open(r));
        return el('li', {}, button);
      }),
    );
  }

  async #claim(item: QueueItem, button: HTMLButtonElement): Promise<void> {
    showError('');
    button.disabled = true;
    try {
      const request = await this.#plaza.desk.claim(item.conversationId);
      announce(`You claimed “${topicName(request.topicId)}” from ${item.citizenName || personName(item.citizenId)}.`);
      await this.#loadMine();
      await this.#open(request);
    } catch (error) {
      showError(`Could not claim the request: ${errorText(error)}`);
      button.disabled = false;
    }
  }

  /** Opens a request: with its conversation once the agent is a member, else (queued) a read-only summary. */
  async #open(request: CitizenRequest): Promise<void> {
    try {
      const conversation = await this.#plaza.conversations.get(request.conversationId).catch(() => null);
      await this.#panel?.close();
      this.#panel = null;
      if (!conversation) {
        this.#panelSlot.replaceChildren(this.#summary(request));
        (this.#panelSlot.querySelector('h2') as HTMLElement | null)?.focus();
        return;
      }
      this.#panel = new RequestPanel(this.#plaza, conversation, request, 'agent');
      this.#panelSlot.replaceChildren(this.#panel.element);
      this.#renderMine();
      this.#panel.focus();
    } catch (error) {
      showError(`Could not open the request: ${errorText(error)}`);
    }
  }

  /** A queued request the agent is not a member of yet: what was reported, and Claim. */
  #summary(request: CitizenRequest): HTMLElement {
    const heading = nextId('summary-heading');
    const claim = el('button', { type: 'button' }, 'Claim request');
    claim.addEventListener('click', () => void this.#claim({ ...request, citizenName: personName(request.citizenId), waitingMs: 0 }, claim));
    return el(
      'section',
      { class: 'request-panel', 'aria-labelledby': heading },
      el('h2', { id: heading, tabindex: -1 }, topicName(request.topicId)),
      el('p', { class: 'status-line' }, 'Status: ', el('span', { class: 'status-badge', 'data-status': request.status }, statusText(request, 'agent'))),
      el('p', { dir: 'auto' }, request.description),
      request.transferNote ? el('p', { class: 'note' }, `Transfer note: ${request.transferNote}`) : null,
      el('p', { class: 'hint' }, 'Claim it to see the photos and write to the citizen.'),
      claim,
    );
  }

  #onChange(change: RequestChange): void {
    const request = change.request;
    this.#panel?.update(request);
    if (this.#department && (request.departmentId === this.#department.id || change.fromDepartmentId === this.#department.id)) void this.#loadMine().catch(() => undefined);
    const text = changeText(change, 'agent', topicName(request.topicId));
    if (text && change.actorId !== this.#plaza.user?.id) announce(text);
    if (change.change === 'transferred' && change.fromDepartmentId === this.#department?.id && this.#panel?.conversationId === request.conversationId) {
      announce(`Passed to ${departmentName(request.departmentId)}.`);
    }
  }
}
