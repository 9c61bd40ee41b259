import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './ServerProcess.js';

/** Where `pnpm --filter @plaza/client build` writes the browser bundle. */
export const BROWSER_BUNDLE = join(REPO_ROOT, 'packages/client/dist/browser/plaza-client.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the client's browser bundle (protocol first, then client) when it is missing or older
 * than the sources it comes from, and returns its path.
 */
export function ensureBrowserBundle(): string {
  const sources = Math.max(newestMtime(join(REPO_ROOT, 'packages/client/src')), newestMtime(join(REPO_ROOT, 'packages/protocol/src')));
  if (existsSync(BROWSER_BUNDLE) && statSync(BROWSER_BUNDLE).mtimeMs >= sources) return BROWSER_BUNDLE;
  for (const pkg of ['@plaza/protocol', '@plaza/client']) {
    execFileSync('pnpm', ['--filter', pkg, 'build'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 120_000 });
  }
  if (!existsSync(BROWSER_BUNDLE)) throw new Error(`the client build did not produce ${BROWSER_BUNDLE}`);
  return BROWSER_BUNDLE;
}

/**
 * What in a bundle would tie it to Node: imports left in it (it must be self-contained) and
 * references to Node built-in modules. Empty when the bundle is browser-clean.
 */
export async function nodeOnlyImports(bundle: string): Promise<string[]> {
  const problems: string[] = [];
  // Re-bundling for the browser resolves every import that is left; esbuild fails on Node built-ins.
  const result = await build({ entryPoints: [bundle], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' }).catch(
    (error: { errors?: { text: string }[] }) => {
      problems.push(...(error.errors ?? [{ text: String(error) }]).map((e) => `esbuild: ${e.text}`));
      return null;
    },
  );
  if (result) {
    for (const [file, input] of Object.entries(result.metafile.inputs)) {
      for (const imported of input.imports) problems.push(`${file} imports ${imported.path}${imported.external ? ' (external)' : ''}`);
    }
  }
  const text = readFileSync(bundle, 'utf8');
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  for (const match of text.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)|\bfrom\s*["'`]([^"'`]+)["'`]|\bimport\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? '';
    if (builtins.has(specifier) || specifier.startsWith('node:')) problems.push(`references Node built-in '${specifier}'`);
  }
  return problems;
}
