/**
 * The citizen desk page: sign in as a demo resident or agent, then the matching view. Built by
 * Vite (server.ts runs the build); `@plaza/client` is bundled in.
 */
import type { PlazaClient } from '@plaza/client';
import { DEPARTMENTS, IDENTITIES } from '../city.js';
import type { DemoIdentity } from '../city.js';
import { AgentView } from './agent.js';
import { CitizenView } from './citizen.js';
import { announce, byId, el, errorText, showError } from './dom.js';
import { connect, rememberIdentity, rememberedIdentity } from './session.js';

let plaza: PlazaClient | null = null;

function signInForm(): HTMLFormElement {
  const radios = IDENTITIES.map((identity, index) => {
    const id = `as-${identity.id}`;
    const what = identity.role === 'citizen' ? 'resident' : `agent, ${DEPARTMENTS.find((d) => d.id === identity.departmentId)?.name ?? ''}`;
    return el('div', { class: 'choice' }, el('input', { type: 'radio', name: 'identity', id, value: identity.id, checked: index === 0 }), el('label', { for: id }, `${identity.name} (${what})`));
  });
  const form = el(
    'form',
    { id: 'sign-in', 'aria-labelledby': 'sign-in-heading' },
    el('h2', { id: 'sign-in-heading' }, 'Sign in'),
    el('fieldset', {}, el('legend', {}, 'Who are you? (demo: pick anyone)'), ...radios),
    el('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = new FormData(form).get('identity');
    const identity = IDENTITIES.find((i) => i.id === chosen);
    if (identity) void signIn(identity, form.querySelector('button')!);
  });
  return form;
}

async function signIn(identity: DemoIdentity, button?: HTMLButtonElement): Promise<void> {
  showError('');
  if (button) button.disabled = true;
  announce('Signing in…');
  try {
    plaza = await connect(identity);
    rememberIdentity(identity.id);
    plaza.on('connectionStateChanged', (state) => {
      byId('connection').textContent = state === 'connected' ? '' : state === 'reconnecting' ? 'Connection lost, reconnecting…' : '';
    });
    const view = identity.role === 'citizen' ? new CitizenView(plaza) : new AgentView(plaza);
    byId('app').replaceChildren(view.element);
    await view.ready;
    const signOut = el('button', { type: 'button', class: 'secondary' }, 'Sign out');
    signOut.addEventListener('click', () => void signOutNow());
    byId('who').replaceChildren(el('span', {}, 'Signed in as ', el('strong', {}, identity.name), identity.role === 'agent' ? ' (agent)' : ' (resident)', ' '), signOut);
    announce(`Signed in as ${identity.name}.`);
    document.title = `${identity.role === 'agent' ? 'Agent desk' : 'Report a problem'} · City desk`;
    byId('app').focus();
  } catch (error) {
    showError(`Could not sign in: ${errorText(error)}`);
    if (button) button.disabled = false;
  }
}

async function signOutNow(): Promise<void> {
  rememberIdentity(null);
  await plaza?.disconnect().catch(() => undefined);
  location.reload();
}

const remembered = IDENTITIES.find((i) => i.id === rememberedIdentity());
if (remembered) void signIn(remembered);
else byId('app').replaceChildren(signInForm());
