// The chat page. Plain JavaScript, no build step: edit and reload.
// It loads the Plaza client's single-file browser build, served by server.ts.
import { PlazaClient } from '/plaza-client.js';

const $ = (id) => document.getElementById(id);
const joinForm = $('join');
const nameInput = $('name');
const chat = $('chat');
const list = $('messages');
const sendForm = $('send');
const textInput = $('text');
const statusLine = $('status');
const alertBox = $('alert');
const typingLine = $('typing');

/** Display names by user id, learned from the member list and member events. */
const names = new Map();
/** Who is typing right now. */
const typing = new Set();
let conversation = null;
let plaza = null;
let myName = '';

/**
 * This tab's user id: random, kept in sessionStorage so a reload stays the same user and a second
 * tab is another one. The display name is separate, so any name works (Олена and 王芳 are two users).
 */
const myId = (() => {
  const stored = sessionStorage.getItem('plaza-demo-id');
  if (stored) return stored;
  const id = `guest-${crypto.randomUUID()}`;
  sessionStorage.setItem('plaza-demo-id', id);
  return id;
})();

/** A `<bdi>` with `text`, so right-to-left names or direction overrides stay inside it. */
function bdi(text) {
  const el = document.createElement('bdi');
  el.textContent = text;
  return el;
}

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

function showAlert(text) {
  alertBox.textContent = text;
}

const stateText = {
  connecting: 'Connecting…',
  connected: 'Connected as ',
  reconnecting: 'Connection lost. Reconnecting… Messages you send now are kept and go out when it is back.',
  disconnected: 'Disconnected. Messages not sent yet are lost; reload the page to reconnect.',
};

/** The connection state as it is, plus how many messages still wait for the server. */
function showState() {
  const state = plaza?.state ?? 'disconnected';
  const waiting = plaza?.outbox.pending.length ?? 0;
  statusLine.replaceChildren(stateText[state] ?? state);
  if (state === 'connected') statusLine.append(bdi(myName), '.');
  if (waiting > 0) statusLine.append(` ${waiting} message${waiting === 1 ? '' : 's'} waiting to be sent.`);
}

function nameOf(userId) {
  return names.get(userId) ?? userId;
}

/** Fills one list item with a message (new, edited or deleted). */
function fill(item, message) {
  item.replaceChildren();
  item.dataset.seq = String(message.seq);
  item.dataset.id = message.id;
  item.className = [message.kind === 'system' ? 'system' : '', message.deletedAt ? 'deleted' : ''].join(' ').trim();
  const who = document.createElement('span');
  who.className = 'who';
  who.dataset.sender = message.senderId;
  who.replaceChildren(message.kind === 'system' ? 'Notice' : bdi(nameOf(message.senderId)));
  if (message.kind !== 'system' && !names.has(message.senderId)) refreshNames();
  const when = document.createElement('time');
  when.dateTime = message.createdAt;
  when.textContent = new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const text = document.createElement('p');
  text.className = 'text';
  text.dir = 'auto';
  text.textContent = message.deletedAt ? '(message deleted)' : message.text + (message.editedAt ? ' (edited)' : '');
  item.append(who, when, text);
}

/** Shows a message the server has not acknowledged yet, marked "sending…", until its ack. */
function renderPending(clientId, text) {
  const item = document.createElement('li');
  item.className = 'pending';
  item.dataset.clientId = clientId;
  const who = document.createElement('span');
  who.className = 'who';
  who.append(bdi(myName));
  const state = document.createElement('span');
  state.className = 'sending';
  state.textContent = 'sending…';
  const p = document.createElement('p');
  p.className = 'text';
  p.dir = 'auto';
  p.textContent = text;
  item.append(who, state, p);
  list.append(item);
  list.scrollTop = list.scrollHeight;
  return item;
}

/** Shows a message once, in seq order, whether it came from history or live. */
function render(message) {
  // The own message arrived: it replaces its "sending…" placeholder.
  if (message.clientId) list.querySelector(`li.pending[data-client-id="${CSS.escape(message.clientId)}"]`)?.remove();
  const existing = list.querySelector(`li[data-id="${CSS.escape(message.id)}"]`);
  if (existing) {
    fill(existing, message);
    return;
  }
  const item = document.createElement('li');
  fill(item, message);
  const later = [...list.children].find((li) => li.classList.contains('pending') || Number(li.dataset.seq) > message.seq);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.insertBefore(item, later ?? null);
  if (atBottom || message.senderId === myId) list.scrollTop = list.scrollHeight;
}

let refreshing = null;
/** Someone we have no name for wrote: reload the member list once, then fix the names shown. */
function refreshNames() {
  if (refreshing || !conversation) return;
  refreshing = conversation
    .members()
    .then((members) => {
      for (const member of members) names.set(member.userId, member.name);
      for (const who of list.querySelectorAll('.who[data-sender]')) who.replaceChildren(bdi(nameOf(who.dataset.sender)));
    })
    .catch(() => undefined)
    .finally(() => {
      refreshing = null;
    });
}

function showTyping() {
  const others = [...typing].map(nameOf);
  typingLine.replaceChildren();
  if (others.length === 0) return;
  others.forEach((name, i) => typingLine.append(...(i > 0 ? [', '] : []), bdi(name)));
  typingLine.append(others.length === 1 ? ' is typing…' : ' are typing…');
}

async function join(name) {
  myName = name;
  const first = await fetchToken(name);
  let firstToken = first.token;
  plaza = new PlazaClient(location.origin);
  plaza.on('connectionStateChanged', showState);
  plaza.outbox.on('changed', showState);
  plaza.on('sendFailed', (message, error) => {
    const item = list.querySelector(`li.pending[data-client-id="${CSS.escape(message.clientId)}"]`);
    if (item) {
      item.classList.add('failed');
      item.querySelector('.sending').textContent = `not sent (${error.code})`;
    }
    showAlert(`A message could not be sent (${error.code}): "${message.text}"`);
  });
  // The token provider runs on every (re)connect, so a reconnect after the 10-minute token expired
  // gets a fresh one.
  await plaza.connect(() => {
    if (firstToken) {
      const token = firstToken;
      firstToken = null;
      return token;
    }
    return fetchToken(name).then((body) => body.token);
  });
  showState();

  conversation = await plaza.conversations.get(first.conversationId);
  names.set(myId, name);
  for (const member of await conversation.members()) names.set(member.userId, member.name);
  conversation.on('message', render);
  conversation.on('messageUpdated', render);
  for (const event of ['memberAdded', 'memberUpdated']) {
    conversation.on(event, (member) => names.set(member.userId, member.name));
  }
  conversation.on('typing', (userId, on) => {
    if (userId === myId) return;
    if (on) typing.add(userId);
    else typing.delete(userId);
    showTyping();
  });
  // After a server restore the timeline starts over: show the server's history again.
  conversation.on('reset', () => {
    for (const li of list.querySelectorAll('li:not(.pending)')) li.remove();
    loadHistory().catch(() => undefined);
  });
  await loadHistory();
}

async function loadHistory() {
  const page = await conversation.history({ limit: 50 });
  for (const message of page.messages) render(message);
  list.scrollTop = list.scrollHeight;
}

joinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (!name) return;
  showAlert('');
  joinForm.querySelector('button').disabled = true;
  try {
    await join(name);
    joinForm.hidden = true;
    chat.hidden = false;
    textInput.focus();
  } catch (error) {
    showAlert(`Could not join: ${error.message}`);
    joinForm.querySelector('button').disabled = false;
  }
});

let typingSentAt = 0;
textInput.addEventListener('input', () => {
  if (!conversation || Date.now() - typingSentAt < 3000) return;
  typingSentAt = Date.now();
  conversation.setTyping(true);
});

textInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendForm.requestSubmit();
  }
});

sendForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = textInput.value.trim();
  if (!text || !conversation) return;
  textInput.value = '';
  typingSentAt = 0;
  conversation.setTyping(false);
  // Shown at once as "sending…"; the 'message' event replaces it with the stored message once the
  // server acknowledged it (for everyone). While the connection is down it waits in the outbox.
  const clientId = crypto.randomUUID();
  renderPending(clientId, text);
  try {
    await conversation.send(text, { clientId });
  } catch (error) {
    // sendFailed marks the placeholder; errors thrown before queueing (invalid text) land here.
    if (!error.code) {
      list.querySelector(`li.pending[data-client-id="${CSS.escape(clientId)}"]`)?.remove();
      showAlert(`Not sent: ${error.message}`);
    }
  }
});
