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
let myName = '';

/** A readable user id from a display name: "Ana María" → "ana-maria". */
function identityFor(name) {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug || 'guest';
}

/**
 * DEMO ONLY: asks the demo server for a token. A real app gets its token from its own backend,
 * after its own login.
 */
async function fetchToken(name) {
  const response = await fetch('/demo/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identity: identityFor(name), name }),
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
  connected: () => `Connected as ${myName}.`,
  reconnecting: 'Connection lost. Reconnecting… Messages you send now are kept and go out when it is back.',
  disconnected: 'Disconnected.',
};

function showState(state) {
  const text = stateText[state];
  statusLine.textContent = typeof text === 'function' ? text() : text ?? state;
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
  who.textContent = message.kind === 'system' ? 'Notice' : nameOf(message.senderId);
  if (message.kind !== 'system' && !names.has(message.senderId)) refreshNames();
  const when = document.createElement('time');
  when.dateTime = message.createdAt;
  when.textContent = new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = message.deletedAt ? '(message deleted)' : message.text + (message.editedAt ? ' (edited)' : '');
  item.append(who, when, text);
}

/** Shows a message once, in seq order, whether it came from history or live. */
function render(message) {
  const existing = list.querySelector(`li[data-id="${CSS.escape(message.id)}"]`);
  if (existing) {
    fill(existing, message);
    return;
  }
  const item = document.createElement('li');
  fill(item, message);
  const later = [...list.children].find((li) => Number(li.dataset.seq) > message.seq);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.insertBefore(item, later ?? null);
  if (atBottom || message.senderId === identityFor(myName)) list.scrollTop = list.scrollHeight;
}

let refreshing = null;
/** Someone we have no name for wrote: reload the member list once, then fix the names shown. */
function refreshNames() {
  if (refreshing || !conversation) return;
  refreshing = conversation
    .members()
    .then((members) => {
      for (const member of members) names.set(member.userId, member.name);
      for (const who of list.querySelectorAll('.who[data-sender]')) who.textContent = nameOf(who.dataset.sender);
    })
    .catch(() => undefined)
    .finally(() => {
      refreshing = null;
    });
}

function showTyping() {
  const others = [...typing].map(nameOf);
  typingLine.textContent =
    others.length === 0 ? '' : others.length === 1 ? `${others[0]} is typing…` : `${others.join(', ')} are typing…`;
}

async function join(name) {
  myName = name;
  const first = await fetchToken(name);
  let firstToken = first.token;
  const plaza = new PlazaClient(location.origin);
  plaza.on('connectionStateChanged', showState);
  plaza.on('sendFailed', (message, error) => showAlert(`A message could not be sent (${error.code}): "${message.text}"`));
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
  showState(plaza.state);

  conversation = await plaza.conversations.get(first.conversationId);
  names.set(identityFor(name), name);
  for (const member of await conversation.members()) names.set(member.userId, member.name);
  conversation.on('message', render);
  conversation.on('messageUpdated', render);
  for (const event of ['memberAdded', 'memberUpdated']) {
    conversation.on(event, (member) => names.set(member.userId, member.name));
  }
  conversation.on('typing', (userId, on) => {
    if (userId === identityFor(myName)) return;
    if (on) typing.add(userId);
    else typing.delete(userId);
    showTyping();
  });
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
  try {
    // Resolves once the server has stored it; the 'message' event renders it (for everyone).
    await conversation.send(text);
  } catch (error) {
    showAlert(`Not sent (${error.code ?? 'error'}): ${error.message}`);
  }
});
