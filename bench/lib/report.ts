import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const HEADER = `# Benchmarks

Figures measured by the scripts in \`bench/\` (see \`bench/README.md\`), each next to a baseline
measured in the same run on the same machine. Each script rewrites only its own section(s), between
the \`<!-- bench:NAME:start -->\` / \`<!-- bench:NAME:end -->\` markers; everything outside the markers is
kept.
`;

/**
 * Replaces the section `name` of the Markdown file at `file` (between its start and end markers)
 * with `body`, appending the section if it is missing and creating the file if needed.
 */
export function writeSection(file: string, name: string, body: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from !== -1 && to > from) {
    text = text.slice(0, from) + block + text.slice(to + end.length);
  } else {
    text = `${text.trimEnd()}\n\n${block}\n`;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}

/** Renders a Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
