import type { Call, Conversation, PlazaClient, RemoteParticipant, RemoteTrack } from '@plaza/client';
import { personName } from '../city.js';
import { announce, el, errorText, nextId, showError } from './dom.js';

/**
 * The video call of one request conversation: start or join it (camera and microphone), see the
 * other side, mute, leave. Whoever starts the call rings the other members, so the other side is
 * told even when they look at another request.
 */
export class CallPanel {
  readonly element: HTMLElement;
  readonly #plaza: PlazaClient;
  readonly #conversation: Conversation;
  readonly #state: HTMLParagraphElement;
  readonly #join: HTMLButtonElement;
  readonly #controls: HTMLDivElement;
  readonly #mic: HTMLButtonElement;
  readonly #camera: HTMLButtonElement;
  readonly #tiles: HTMLUListElement;
  #call: Call | null = null;

  constructor(plaza: PlazaClient, conversation: Conversation) {
    this.#plaza = plaza;
    this.#conversation = conversation;
    const heading = nextId('call-heading');
    this.#state = el('p', { class: 'call-state' }, 'No video call.');
    this.#join = el('button', { type: 'button' }, 'Start video call');
    this.#mic = el('button', { type: 'button' }, 'Mute microphone');
    this.#camera = el('button', { type: 'button' }, 'Turn camera off');
    const leave = el('button', { type: 'button', class: 'danger' }, 'Leave call');
    this.#controls = el('div', { class: 'controls', role: 'group', 'aria-label': 'Call controls', hidden: true }, this.#mic, this.#camera, leave);
    this.#tiles = el('ul', { class: 'tiles', 'aria-label': 'Video', hidden: true });
    this.element = el('section', { class: 'call', 'aria-labelledby': heading }, el('h3', { id: heading }, 'Video call'), this.#state, this.#join, this.#tiles, this.#controls);

    this.#join.addEventListener('click', () => void this.#start());
    this.#mic.addEventListener('click', () => void this.#toggle('microphone'));
    this.#camera.addEventListener('click', () => void this.#toggle('camera'));
    leave.addEventListener('click', () => void this.leave());
    void this.#checkRunning();
  }

  /** Someone rings the user into this conversation's call. */
  ringing(callerName: string): void {
    if (this.#call) return;
    this.#join.textContent = 'Join video call';
    this.#state.textContent = `${callerName} is calling.`;
  }

  /** Leaves the call, if in one (also when the request is closed in the page). */
  async leave(): Promise<void> {
    const call = this.#call;
    if (!call) return;
    this.#call = null;
    await call.leave().catch(() => undefined);
    this.#reset('You left the call.');
  }

  /** Labels the button "Join" when a call is already going on. */
  async #checkRunning(): Promise<void> {
    const info = await this.#plaza.calls.get(this.#conversation.id).catch(() => null);
    if (info && !this.#call) {
      this.#join.textContent = 'Join video call';
      this.#state.textContent = 'A video call is going on.';
    }
  }

  async #start(): Promise<void> {
    showError('');
    this.#join.disabled = true;
    this.#state.textContent = 'Joining the call…';
    try {
      const call = await this.#conversation.joinCall();
      this.#call = call;
      // Right after the await: those already in the call arrive as events like later ones.
      this.#watch(call);
      // Devices after joining: a refused camera still leaves the user in the call, with sound.
      await call.publishMicrophone().catch((error: unknown) => showError(`Microphone unavailable: ${errorText(error)}`));
      await call.publishCamera().catch((error: unknown) => showError(`Camera unavailable: ${errorText(error)}`));
      this.#showLocal(call);
      if (call.participants.size === 0) await call.ring().catch(() => undefined);
      this.#join.hidden = true;
      this.#tiles.hidden = false;
      this.#controls.hidden = false;
      this.#updateControls();
      this.#updateState();
      this.#mic.focus();
    } catch (error) {
      this.#call = null;
      showError(`Could not join the call: ${errorText(error)}`);
      this.#state.textContent = 'No video call.';
    } finally {
      this.#join.disabled = false;
    }
  }

  #watch(call: Call): void {
    call.on('participantJoined', (p) => {
      announce(`${p.name || personName(p.userId)} joined the call.`);
      this.#updateState();
    });
    call.on('participantLeft', (p) => {
      this.#tiles.querySelector(`[data-participant="${CSS.escape(p.id)}"]`)?.remove();
      announce(`${p.name || personName(p.userId)} left the call.`);
      this.#updateState();
    });
    call.on('trackSubscribed', (track, p) => this.#show(track, p));
    call.on('trackUnsubscribed', (track) => {
      track.detach();
      this.element.querySelector(`audio[data-track="${CSS.escape(track.id)}"]`)?.remove();
    });
    call.on('left', (reason) => {
      if (this.#call !== call) return;
      this.#call = null;
      this.#reset(reason === 'ended' ? 'The call ended.' : reason === 'removed' ? 'You were removed from the call.' : 'You left the call.');
    });
  }

  #tile(key: string, label: string): HTMLVideoElement {
    const existing = this.#tiles.querySelector<HTMLLIElement>(`[data-participant="${CSS.escape(key)}"]`);
    if (existing) return existing.querySelector('video')!;
    const video = el('video', { autoplay: true, playsinline: true, 'aria-label': `Video of ${label}` });
    video.muted = true; // sound plays from separate <audio> elements
    this.#tiles.append(el('li', { class: 'tile', 'data-participant': key }, video, el('span', { class: 'label' }, el('bdi', {}, label))));
    return video;
  }

  #show(track: RemoteTrack, participant: RemoteParticipant): void {
    const name = participant.name || personName(participant.userId);
    if (track.kind === 'audio') {
      const audio = track.attach();
      audio.dataset.track = track.id;
      audio.hidden = true;
      this.element.append(audio);
      return;
    }
    if (track.source !== 'camera') return;
    track.attach(this.#tile(participant.id, name));
  }

  #showLocal(call: Call): void {
    const camera = call.localParticipant.tracks.get('camera');
    if (!camera) return;
    const video = this.#tile('local', 'You');
    camera.attach(video);
    video.classList.add('mirrored');
  }

  async #toggle(source: 'microphone' | 'camera'): Promise<void> {
    const call = this.#call;
    if (!call) return;
    const track = call.localParticipant.tracks.get(source);
    try {
      if (!track) await (source === 'camera' ? call.publishCamera() : call.publishMicrophone());
      else await call.setMuted(source, !track.muted);
    } catch (error) {
      showError(`${source === 'camera' ? 'Camera' : 'Microphone'}: ${errorText(error)}`);
    }
    if (source === 'camera') this.#showLocal(call);
    this.#updateControls();
  }

  #updateControls(): void {
    const tracks = this.#call?.localParticipant.tracks;
    const mic = tracks?.get('microphone');
    const camera = tracks?.get('camera');
    // The label names what the button does now, so no aria-pressed (both would contradict).
    this.#mic.textContent = !mic || mic.muted ? 'Unmute microphone' : 'Mute microphone';
    this.#camera.textContent = !camera || camera.muted ? 'Turn camera on' : 'Turn camera off';
  }

  #updateState(): void {
    const call = this.#call;
    if (!call) return;
    const others = [...call.participants.values()].map((p) => p.name || personName(p.userId));
    this.#state.textContent = others.length ? `In the call with ${others.join(', ')}.` : 'In the call. Waiting for the other side to join…';
  }

  /** Back to "no call", saying why in the panel and in the status region (the panel's text is not a live region). */
  #reset(text: string): void {
    announce(text);
    for (const audio of this.element.querySelectorAll('audio')) audio.remove();
    this.#tiles.replaceChildren();
    this.#tiles.hidden = true;
    this.#controls.hidden = true;
    this.#join.hidden = false;
    this.#join.textContent = 'Start video call';
    this.#state.textContent = text;
    if (this.element.isConnected) this.#join.focus();
  }
}
