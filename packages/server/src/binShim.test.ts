import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };

describe('the plaza-server bin', () => {
  it('points at a committed shim (not dist), so a fresh install can link it before any build', () => {
    const target = manifest.bin['plaza-server'];
    expect(target).toBe('./bin/plaza-server.js');
    expect(existsSync(join(packageDir, target ?? ''))).toBe(true);
    expect(manifest.files).toContain('bin');
  });

  it('says the server is not built yet and exits 2 when dist/cli.js is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-bin-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(packageDir, 'bin/plaza-server.js'), join(dir, 'bin/plaza-server.js'));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      const run = spawnSync(process.execPath, [join(dir, 'bin/plaza-server.js')], { encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/not built yet \(dist\/cli\.js is missing\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs dist/cli.js when it exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-bin-'));
    try {
      mkdirSync(join(dir, 'bin'));
      mkdirSync(join(dir, 'dist'));
      copyFileSync(join(packageDir, 'bin/plaza-server.js'), join(dir, 'bin/plaza-server.js'));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(join(dir, 'dist/cli.js'), "process.stdout.write('cli ran');\n");
      const run = spawnSync(process.execPath, [join(dir, 'bin/plaza-server.js')], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toBe('cli ran');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
