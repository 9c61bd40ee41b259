#!/usr/bin/env node
// The plaza-server command. This shim is committed so that `pnpm install` can link the bin before
// the package is built; the server itself is dist/cli.js, made by `pnpm --filter @plaza/server build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'plaza-server: the server is not built yet (dist/cli.js is missing); run `pnpm build` in the repository, ' +
      'or `node --import tsx packages/server/src/cli.ts` to run it from source\n',
  );
  process.exit(2);
}
await import(cli.href);
