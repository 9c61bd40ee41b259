import { PlazaClient } from '@plaza/client';
import type { DemoIdentity } from '../city.js';

/**
 * DEMO ONLY: asks the demo server for a token of a demo identity. A real app gets its token from
 * its own backend, after its own login (see the README).
 */
async function fetchToken(identity: string): Promise<string> {
  const response = await fetch('/demo/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identity }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(body.error ?? `token request failed (${response.status})`);
  return body.token;
}

/** Connects to the Plaza server that serves this page, as `identity`; tokens are renewed by asking again. */
export async function connect(identity: DemoIdentity): Promise<PlazaClient> {
  const plaza = new PlazaClient(location.origin);
  await plaza.connect(() => fetchToken(identity.id));
  return plaza;
}

const KEY = 'plaza-citizen-desk-identity';

/** The identity this tab signed in as (kept over a reload), or null. */
export const rememberedIdentity = (): string | null => sessionStorage.getItem(KEY);

/** Remembers (or forgets, with null) the identity of this tab. */
export function rememberIdentity(id: string | null): void {
  if (id) sessionStorage.setItem(KEY, id);
  else sessionStorage.removeItem(KEY);
}
