import type { PlazaClient } from '@plaza/client';
import type { CitizenRequest, RequestChange, RequestLocation, Topic } from '@plaza/protocol';
import { topicName } from '../city.js';
import { announce, byId, el, errorText, formatTime, nextId, showError } from './dom.js';
import { changeText, statusText } from './labels.js';
import { RequestPanel } from './requestPanel.js';

/**
 * The resident's view: report a problem (topic, description, photo, location), follow their
 * requests live, chat and call with the agent, see the resolution.
 */
export class CitizenView {
  readonly element: HTMLElement;
  /** Settles once the first data is shown (or its error). */
  readonly ready: Promise<void>;
  readonly #plaza: PlazaClient;
  readonly #list: HTMLUListElement;
  readonly #panelSlot: HTMLElement;
  readonly #requests = new Map<string, CitizenRequest>();
  #panel: RequestPanel | null = null;
  #topics: Topic[] = [];

  constructor(plaza: PlazaClient) {
    this.#plaza = plaza;
    this.#list = el('ul', { class: 'request-list' });
    this.#panelSlot = el('div', { class: 'panel-slot' });
    const mineHeading = nextId('mine-heading');
    this.element = el(
      'div',
      { class: 'view citizen' },
      el('div', { class: 'sidebar' }, this.#reportForm(), el('section', { 'aria-labelledby': mineHeading }, el('h2', { id: mineHeading }, 'Your requests'), this.#list)),
      this.#panelSlot,
    );
    plaza.requests.on('requestUpdated', (change) => this.#onChange(change));
    plaza.calls.on('ringing', (ring) => {
      if (this.#panel?.conversationId === ring.conversationId) this.#panel.call.ringing(ring.callerName);
      else announce(`${ring.callerName} is calling about one of your requests.`);
    });
    this.ready = this.#load();
  }

  async #load(): Promise<void> {
    try {
      this.#topics = (await this.#plaza.requests.topics()).sort((a, b) => a.name.localeCompare(b.name));
      const select = byId<HTMLSelectElement>('topic');
      select.replaceChildren(el('option', { value: '' }, 'Choose a topic'), ...this.#topics.map((t) => el('option', { value: t.id }, t.name)));
      select.disabled = false;
      for (const request of await this.#plaza.requests.mine()) this.#requests.set(request.conversationId, request);
      this.#renderList();
    } catch (error) {
      showError(`Could not load your requests: ${errorText(error)}`);
    }
  }

  #topicName(id: string): string {
    return this.#topics.find((t) => t.id === id)?.name ?? topicName(id);
  }

  #reportForm(): HTMLElement {
    const preview = el('img', { id: 'photo-preview', class: 'photo-preview', alt: 'Preview of the photo you chose', hidden: true });
    const photo = el('input', { id: 'photo', type: 'file', accept: 'image/*', 'aria-describedby': 'photo-hint' });
    const useLocation = el('button', { type: 'button', id: 'use-location' }, 'Use my location');
    const submit = el('button', { type: 'submit' }, 'Send report');
    const form = el(
      'form',
      { id: 'report', 'aria-labelledby': 'report-heading', novalidate: false },
      el('h2', { id: 'report-heading' }, 'Report a problem'),
      el('label', { for: 'topic' }, 'What is it about?'),
      el('select', { id: 'topic', required: true, disabled: true }, el('option', { value: '' }, 'Loading topics…')),
      el('label', { for: 'description' }, 'What happened?'),
      el('textarea', { id: 'description', rows: 3, maxlength: 4000, required: true }),
      el('label', { for: 'photo' }, 'Photo (optional)'),
      photo,
      el('p', { id: 'photo-hint', class: 'hint' }, 'A photo helps the city find and fix the problem.'),
      preview,
      el(
        'fieldset',
        {},
        el('legend', {}, 'Where is it? (optional)'),
        el('label', { for: 'address' }, 'Address or place'),
        el('input', { id: 'address', autocomplete: 'street-address', maxlength: 300 }),
        el('div', { class: 'coords' },
          el('span', {}, el('label', { for: 'lat' }, 'Latitude'), el('input', { id: 'lat', inputmode: 'decimal', 'aria-describedby': 'coords-hint' })),
          el('span', {}, el('label', { for: 'lng' }, 'Longitude'), el('input', { id: 'lng', inputmode: 'decimal', 'aria-describedby': 'coords-hint' })),
        ),
        el('p', { id: 'coords-hint', class: 'hint' }, 'Decimal degrees, for example 52.52 and 13.405.'),
        useLocation,
      ),
      submit,
    );

    photo.addEventListener('change', () => {
      const file = photo.files?.[0];
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.hidden = !file;
      if (file) preview.src = URL.createObjectURL(file);
      else preview.removeAttribute('src');
    });
    useLocation.addEventListener('click', () => {
      if (!navigator.geolocation) return showError('This browser cannot tell your location; type the address instead.');
      announce('Finding your location…');
      navigator.geolocation.getCurrentPosition(
        (position) => {
          byId<HTMLInputElement>('lat').value = position.coords.latitude.toFixed(6);
          byId<HTMLInputElement>('lng').value = position.coords.longitude.toFixed(6);
          announce('Your location was filled in.');
        },
        (error) => showError(`Your location is not available: ${error.message}`),
        { timeout: 10_000 },
      );
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#send(form, submit, photo, preview);
    });
    return form;
  }

  /** The location from the form, null when none was given, or an error text. */
  #location(): RequestLocation | null | string {
    const address = byId<HTMLInputElement>('address').value.trim();
    const latText = byId<HTMLInputElement>('lat').value.trim();
    const lngText = byId<HTMLInputElement>('lng').value.trim();
    if (!latText && !lngText) return address ? 'Add latitude and longitude to the address, or press “Use my location”.' : null;
    const lat = Number(latText.replace(',', '.'));
    const lng = Number(lngText.replace(',', '.'));
    if (!latText || !lngText || !Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
      return 'Latitude must be between -90 and 90 and longitude between -180 and 180.';
    }
    return { lat, lng, ...(address ? { address } : {}) };
  }

  async #send(form: HTMLFormElement, submit: HTMLButtonElement, photo: HTMLInputElement, preview: HTMLImageElement): Promise<void> {
    showError('');
    const location = this.#location();
    if (typeof location === 'string') return showError(location);
    const topicId = byId<HTMLSelectElement>('topic').value;
    const description = byId<HTMLTextAreaElement>('description').value.trim();
    const file = photo.files?.[0];
    submit.disabled = true;
    announce('Sending your report…');
    try {
      const { request, conversation } = await this.#plaza.requests.open({
        topicId,
        description,
        ...(location ? { location } : {}),
        ...(file ? { photos: [file] } : {}),
      });
      this.#requests.set(request.conversationId, request);
      this.#renderList();
      form.reset();
      preview.hidden = true;
      preview.removeAttribute('src');
      announce(`Thank you. Your report was sent to ${statusText(request, 'citizen').replace('Waiting for an agent of ', '')}.`);
      await this.#open(request.conversationId, conversation);
    } catch (error) {
      showError(`Your report was not sent: ${errorText(error)}`);
    } finally {
      submit.disabled = false;
    }
  }

  #renderList(): void {
    const requests = [...this.#requests.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (requests.length === 0) {
      this.#list.replaceChildren(el('li', { class: 'empty' }, 'You have not reported anything yet.'));
      return;
    }
    this.#list.replaceChildren(
      ...requests.map((r) => {
        const button = el(
          'button',
          { type: 'button', class: 'request-link', 'aria-current': this.#panel?.conversationId === r.conversationId ? 'true' : null },
          el('strong', {}, this.#topicName(r.topicId)),
          el('span', {}, `${statusText(r, 'citizen')} · ${formatTime(r.createdAt)}`),
        );
        button.addEventListener('click', () => void this.#open(r.conversationId));
        return el('li', {}, button);
      }),
    );
  }

  async #open(conversationId: string, known?: Awaited<ReturnType<PlazaClient['conversations']['get']>>): Promise<void> {
    try {
      const request = this.#requests.get(conversationId) ?? (await this.#plaza.requests.get(conversationId));
      const conversation = known ?? (await this.#plaza.conversations.get(conversationId));
      await this.#panel?.close();
      this.#panel = new RequestPanel(this.#plaza, conversation, request, 'citizen');
      this.#panelSlot.replaceChildren(this.#panel.element);
      this.#renderList();
      this.#panel.focus();
    } catch (error) {
      showError(`Could not open the request: ${errorText(error)}`);
    }
  }

  #onChange(change: RequestChange): void {
    const request = change.request;
    this.#requests.set(request.conversationId, request);
    this.#renderList();
    this.#panel?.update(request);
    const text = changeText(change, 'citizen', this.#topicName(request.topicId));
    if (text && change.actorId !== this.#plaza.user?.id) announce(text);
  }
}
