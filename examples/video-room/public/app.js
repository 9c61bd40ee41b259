// The video room page. Plain JavaScript, no build step: edit and reload.
// It loads the Plaza client's single-file browser build, served by server.ts.
import { PlazaClient } from '/plaza-client.js';

const $ = (id) => document.getElementById(id);
const joinForm = $('join');
const nameInput = $('name');
const callSection = $('call');
const tiles = $('tiles');
const statusLine = $('status');
const activity = $('activity');
const alertBox = $('alert');
const micButton = $('toggle-mic');
const cameraButton = $('toggle-camera');
const screenButton = $('toggle-screen');
const leaveButton = $('leave');

let plaza = null;
let call = null;
let myName = '';

/** This tab's user id: random, kept in sessionStorage (a reload stays the same user, another tab is another one). */
const myId = (() => {
  const stored = sessionStorage.getItem('plaza-video-room-id');
  if (stored) return stored;
  const id = `guest-${crypto.randomUUID()}`;
  sessionStorage.setItem('plaza-video-room-id', id);
  return id;
})();

/**
 * DEMO ONLY: asks the demo server for a token. A real app gets its token from its own backend,
 * after its own login.
 */
async function fetchToken(name) {
  const response = await fetch('/demo/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identity: myId, name }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `token request failed (${response.status})`);
  return body;
}

/** Adds a line to the call activity log (announced by screen readers). */
function announce(text) {
  const li = document.createElement('li');
  li.textContent = text;
  activity.append(li);
  while (activity.children.length > 30) activity.firstElementChild.remove();
}

function showAlert(text) {
  alertBox.textContent = text;
}

// --- tiles: one per participant's camera, one per screen share ----------------------------------

/** The tile `key` (`<participantId>:camera` or `:screen`), created with `label` when missing. */
function tile(key, label, screen = false) {
  let li = tiles.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (li) return li;
  li = document.createElement('li');
  li.className = screen ? 'tile screen' : 'tile';
  li.dataset.key = key;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true; // sound comes from the separate <audio> elements
  video.setAttribute('aria-label', label);
  const off = document.createElement('div');
  off.className = 'camera-off';
  off.textContent = 'Camera off';
  off.hidden = true;
  const caption = document.createElement('span');
  caption.className = 'label';
  const name = document.createElement('bdi');
  name.textContent = label;
  const mic = document.createElement('span');
  mic.className = 'mic';
  caption.append(name, mic);
  li.append(video, off, caption);
  tiles.append(li);
  return li;
}

function removeTiles(participantId) {
  for (const li of tiles.querySelectorAll(`[data-key^="${CSS.escape(participantId)}:"]`)) li.remove();
}

/** Shows whether a participant's camera and microphone are on, in their camera tile (`tracks` by source). */
function updateIndicators(participantId, name, tracks) {
  const li = tile(`${participantId}:camera`, name);
  const camera = tracks.get('camera');
  const mic = tracks.get('microphone');
  li.querySelector('.camera-off').hidden = Boolean(camera && !camera.muted);
  li.querySelector('.mic').textContent = !mic || mic.muted ? ' (muted)' : '';
}

function showRemote(track, participant) {
  if (track.kind === 'audio') {
    const audio = track.attach();
    audio.dataset.trackId = track.id;
    audio.hidden = true;
    document.body.append(audio);
    return;
  }
  const screen = track.source === 'screen';
  const li = tile(`${participant.id}:${screen ? 'screen' : 'camera'}`, screen ? `${participant.name} (screen)` : participant.name, screen);
  track.attach(li.querySelector('video'));
  if (screen) announce(`${participant.name} is sharing their screen.`);
}

function hideRemote(track, participant) {
  track.detach();
  document.querySelector(`audio[data-track-id="${CSS.escape(track.id)}"]`)?.remove();
  if (track.source === 'screen') {
    tiles.querySelector(`[data-key="${CSS.escape(`${participant.id}:screen`)}"]`)?.remove();
    announce(`${participant.name} stopped sharing their screen.`);
  }
}

/** The status line: who you are in the call and how many others are there. */
function updateStatus() {
  if (!call) return;
  const others = call.participants.size;
  statusLine.textContent = `In the call as ${myName}. ${others === 0 ? 'Nobody else is here yet.' : `${others} other${others === 1 ? '' : 's'} here.`}`;
}

// --- the call ----------------------------------------------------------------------------------

function watch(c) {
  c.on('participantJoined', (p) => {
    updateIndicators(p.id, p.name, p.tracks);
    announce(`${p.name} joined.`);
    updateStatus();
  });
  c.on('participantLeft', (p, reason) => {
    removeTiles(p.id);
    announce(reason === 'removed' ? `${p.name} was removed from the call.` : `${p.name} left.`);
    updateStatus();
  });
  c.on('trackSubscribed', (track, p) => {
    showRemote(track, p);
    updateIndicators(p.id, p.name, p.tracks);
  });
  c.on('trackUnsubscribed', (track, p) => {
    hideRemote(track, p);
    updateIndicators(p.id, p.name, p.tracks);
  });
  for (const event of ['trackPublished', 'trackUnpublished', 'trackMuted', 'trackUnmuted']) {
    c.on(event, (track, p) => {
      if (p && p.id !== c.localParticipant.id) updateIndicators(p.id, p.name, p.tracks);
    });
  }
  c.on('reconnecting', () => (statusLine.textContent = 'Connection lost, reconnecting…'));
  c.on('reconnected', updateStatus);
  c.on('left', (reason) => {
    if (reason !== 'left') showAlert(reason === 'removed' ? 'You were removed from the call.' : 'The call ended.');
    resetCall();
  });
}

/** The local camera tile shows your own camera, mirrored like a mirror would. */
function showLocalCamera() {
  const li = tile('local:camera', `${myName} (you)`);
  const camera = call.localParticipant.tracks.get('camera');
  if (camera) {
    camera.attach(li.querySelector('video'));
    li.querySelector('video').style.transform = 'scaleX(-1)';
  }
  li.querySelector('.camera-off').hidden = Boolean(camera && !camera.muted);
  const mic = call.localParticipant.tracks.get('microphone');
  li.querySelector('.mic').textContent = !mic || mic.muted ? ' (muted)' : '';
}

// The label names the action the button takes now ("Unmute microphone"), so it carries no
// aria-pressed: a changing label and a pressed state together would be announced as contradictory.
function setToggle(button, active, activeText, inactiveText) {
  button.dataset.active = String(active);
  button.textContent = active ? activeText : inactiveText;
}

function updateControls() {
  const tracks = call.localParticipant.tracks;
  const mic = tracks.get('microphone');
  const camera = tracks.get('camera');
  setToggle(micButton, !mic || mic.muted, 'Unmute microphone', 'Mute microphone');
  setToggle(cameraButton, !camera || camera.muted, 'Turn camera on', 'Turn camera off');
  setToggle(screenButton, tracks.has('screen'), 'Stop sharing', 'Share screen');
  showLocalCamera();
}

function resetCall() {
  call = null;
  tiles.replaceChildren();
  for (const audio of document.querySelectorAll('audio[data-track-id]')) audio.remove();
  callSection.hidden = true;
  joinForm.hidden = false;
  statusLine.textContent = 'You left the call.';
  nameInput.focus();
}

joinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  showAlert('');
  myName = nameInput.value.trim();
  if (!myName) return;
  const withCamera = $('with-camera').checked;
  const withMic = $('with-mic').checked;
  const submit = joinForm.querySelector('button[type="submit"]');
  submit.disabled = true;
  statusLine.textContent = 'Joining…';
  try {
    const { conversationId } = await fetchToken(myName);
    if (!plaza) {
      plaza = new PlazaClient(location.origin);
      await plaza.connect(async () => (await fetchToken(myName)).token);
    }
    const conversation = await plaza.conversations.get(conversationId);
    call = await conversation.joinCall();
    // Right after the await: the people already in the call arrive as participantJoined and
    // their tracks as trackSubscribed, like everyone who comes later.
    watch(call);
    // Ask for the devices after joining, so a refused camera still leaves you in the call.
    if (withMic) await call.publishMicrophone().catch((e) => showAlert(`Microphone unavailable: ${e.message}`));
    if (withCamera) await call.publishCamera().catch((e) => showAlert(`Camera unavailable: ${e.message}`));
    joinForm.hidden = true;
    callSection.hidden = false;
    updateControls();
    updateStatus();
    micButton.focus();
  } catch (error) {
    showAlert(`Could not join: ${error.message}`);
    statusLine.textContent = 'Not in the call.';
  } finally {
    submit.disabled = false;
  }
});

micButton.addEventListener('click', async () => {
  const mic = call.localParticipant.tracks.get('microphone');
  try {
    if (!mic) await call.publishMicrophone();
    else await call.setMuted('microphone', !mic.muted);
  } catch (error) {
    showAlert(`Microphone: ${error.message}`);
  }
  updateControls();
});

cameraButton.addEventListener('click', async () => {
  const camera = call.localParticipant.tracks.get('camera');
  try {
    if (!camera) await call.publishCamera();
    else await call.setMuted('camera', !camera.muted);
  } catch (error) {
    showAlert(`Camera: ${error.message}`);
  }
  updateControls();
});

screenButton.addEventListener('click', async () => {
  try {
    if (call.localParticipant.tracks.has('screen')) {
      await call.unpublish('screen');
      if (call.localParticipant.tracks.has('screen-audio')) await call.unpublish('screen-audio');
      announce('You stopped sharing your screen.');
    } else {
      const screen = await call.publishScreen();
      announce('You are sharing your screen.');
      // The browser's own "Stop sharing" button ends the track: unpublish it then.
      screen.mediaStreamTrack?.addEventListener('ended', () => {
        if (call?.localParticipant.tracks.has('screen')) call.unpublish('screen').then(updateControls, () => {});
      });
    }
  } catch (error) {
    if (error.name !== 'NotAllowedError') showAlert(`Screen sharing: ${error.message}`);
  }
  updateControls();
});

leaveButton.addEventListener('click', async () => {
  await call?.leave().catch(() => {});
  resetCall();
});
