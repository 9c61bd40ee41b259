/**
 * Helpers for tests that check a guide's code: its fenced blocks, one type-checkable module built
 * from them, and the TypeScript diagnostics of that module against the workspace's packages.
 */
import { join } from 'node:path';
import ts from 'typescript';

/** The contents of every fenced block of `lang` (```ts, ```sh, …) in a Markdown page, in order. */
export function codeBlocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1] ?? '');
}

const IMPORT = /^import (type )?\{([^}]*)\} from '([^']+)';$/;

/** Splits a block into its named-import lines and the rest (with `export ` dropped, as it runs inside a function). */
export function splitImports(block: string): { imports: string[]; body: string } {
  const imports: string[] = [];
  const body: string[] = [];
  for (const line of block.split('\n')) {
    if (IMPORT.test(line.trim())) imports.push(line);
    else body.push(line.replace(/^export /, ''));
  }
  return { imports, body: body.join('\n') };
}

/**
 * One module from a page's blocks: their imports merged (one declaration per module and kind), each
 * block's code in its own async function, after `preamble` (the names the page says the reader's
 * code already has).
 */
export function samplesModule(blocks: readonly string[], preamble: string): string {
  const imports = new Map<string, Set<string>>();
  const bodies = blocks.map((block, i) => {
    const parts = splitImports(block);
    for (const line of parts.imports) {
      const match = IMPORT.exec(line.trim()) as RegExpExecArray;
      const key = `${match[1] ? 'type ' : ''}|${match[3]}`;
      const names = imports.get(key) ?? new Set<string>();
      for (const name of (match[2] ?? '').split(',').map((n) => n.trim()).filter(Boolean)) names.add(name);
      imports.set(key, names);
    }
    return `export async function block${i}(): Promise<void> {\n${parts.body}\n}\n`;
  });
  const head = [...imports].map(([key, names]) => {
    const [kind, from] = key.split('|');
    return `import ${kind}{ ${[...names].join(', ')} } from '${from}';`;
  });
  return `${head.join('\n')}\n${preamble}\n${bodies.join('\n')}`;
}

/**
 * The TypeScript diagnostics of one file, compiled with the repository's tsconfig (so workspace
 * packages resolve to their sources), as `line N: message` strings.
 *
 * @param file - the file to check
 * @param root - the repository root (where tsconfig.json is)
 */
export function typecheckFile(file: string, root: string): string[] {
  const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const config = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const program = ts.createProgram([file], { ...config.options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((d) => `${d.start === undefined || !d.file ? '' : `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: `}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
