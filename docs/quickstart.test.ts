/**
 * Runs docs/quickstart.md: every ```ts block, joined in order into one module, against a real
 * server, so the quickstart cannot drift from the packages. Only the port (0) and the data
 * directory (a temp dir) are changed. Each `console.log(...); // expected` line in the page must
 * print `expected`, in order; and the program must typecheck.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = readFileSync(join(root, 'docs', 'quickstart.md'), 'utf8');

/** The page's TypeScript blocks, in order. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/**
 * What the page says the program prints, in order: the text of the `//` comment after a
 * `console.log(...)`, and the text of each `// → …` comment line (output of an event listener).
 */
function expectedOutput(code: string): string[] {
  return code
    .split('\n')
    .map((line) => (/console\.log\(.*\);\s*\/\/ (.*)$/.exec(line) ?? /^\s*\/\/ → (.*)$/.exec(line))?.[1]?.trim())
    .filter((text): text is string => text !== undefined);
}

/** Replaces `from` with `to`, insisting that `from` occurs exactly once. */
function replaceOnce(code: string, from: string, to: string): string {
  expect(code.split(from).length - 1, `the quickstart should contain ${from} exactly once`).toBe(1);
  return code.replace(from, to);
}

const program = tsBlocks(page).join('\n');
const workDir = join(root, '.vitest-tmp');
mkdirSync(workDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'plaza-quickstart-'));
const file = join(mkdtempSync(join(workDir, 'quickstart-')), 'quickstart.ts');
writeFileSync(
  file,
  replaceOnce(replaceOnce(program, 'port: 7700', 'port: 0'), "dataDir: './plaza-data'", `dataDir: ${JSON.stringify(dataDir)}`),
);

afterAll(() => {
  vi.restoreAllMocks();
  rmSync(dirname(file), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('docs/quickstart.md', () => {
  it('has TypeScript blocks that start a server, mint tokens, connect, send and receive', () => {
    expect(program).toContain('createPlazaServer(');
    expect(program).toContain('new AccessToken(');
    expect(program).toContain('.connect(');
    expect(program).toContain('.send(');
    expect(program).toContain('server.close()');
    expect(expectedOutput(program).length).toBeGreaterThan(5);
  });

  it('runs as written and prints exactly what its comments say, in order', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    });
    await import(/* @vite-ignore */ pathToFileURL(file).href);
    vi.mocked(console.log).mockRestore();

    // The page shows everything the program prints, in order.
    expect(printed).toEqual(expectedOutput(program));
  });

  it('typechecks against the packages', () => {
    const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
    const config = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
    const tsProgram = ts.createProgram([file], { ...config.options, noEmit: true });
    const diagnostics = ts
      .getPreEmitDiagnostics(tsProgram, tsProgram.getSourceFile(file))
      .map((d) => `${d.start === undefined || !d.file ? '' : `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: `}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
  });
});
