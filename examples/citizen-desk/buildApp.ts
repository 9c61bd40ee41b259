import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** A built file, kept in memory and served as is. */
export interface BuiltFile {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

const here = fileURLToPath(new URL('.', import.meta.url));
const packageSource = (name: string) => join(here, '..', '..', 'packages', name, 'src', 'index.ts');

/**
 * Builds the page with Vite (production build, no dev server: nothing listens but Plaza, and it
 * works offline) into a temporary directory, reads the result into memory and removes the
 * directory. `@plaza/client` and `@plaza/protocol` are bundled from their sources, so the page
 * always matches the server it runs next to.
 *
 * @returns the files by URL path (`/` for the page)
 * @throws when the build fails (Vite's error, with the file and line)
 */
export async function buildApp(): Promise<Map<string, BuiltFile>> {
  const outDir = mkdtempSync(join(tmpdir(), 'plaza-citizen-desk-'));
  try {
    await build({
      configFile: false,
      root: join(here, 'app'),
      base: '/',
      logLevel: 'warn',
      resolve: { alias: { '@plaza/client': packageSource('client'), '@plaza/protocol': packageSource('protocol') } },
      build: { outDir, emptyOutDir: true, sourcemap: false, reportCompressedSize: false, chunkSizeWarningLimit: 2000 },
    });
    const files = new Map<string, BuiltFile>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else {
          const url = `/${relative(outDir, path).split(sep).join('/')}`;
          files.set(url === '/index.html' ? '/' : url, { type: TYPES[extname(path)] ?? 'application/octet-stream', body: readFileSync(path) });
        }
      }
    };
    walk(outDir);
    return files;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
