import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const protocolSource = fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url));
// tus-js-client's browser entry in its untranspiled ES2015+ form (`lib/`): the `browser` field would
// pick the Babel output in `lib.esm/`, which carries a regenerator runtime and helpers in every
// module (51 KB minified instead of 20 KB). Node builds keep the package's Node entry (external).
const tusBrowserSource = join(dirname(createRequire(import.meta.url).resolve('tus-js-client/package.json')), 'lib/browser/index.js');

export default defineConfig([
  // The npm package: ESM + CJS + type declarations; dependencies stay external.
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    // `@internal` members (the plumbing between the SDK's classes) stay out of the published types.
    dts: { compilerOptions: { stripInternal: true } },
    sourcemap: true,
    // Everything in dist/ except the browser bundle, which the second build owns (both run at once).
    clean: ['!browser/**'],
    target: 'es2022',
  },
  // One self-contained ESM file for browsers (`@plaza/client/browser`): every dependency inlined.
  // The protocol is bundled from its sources so that unused modules (the zod schemas) drop out.
  {
    entry: { 'plaza-client': 'src/index.ts' },
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    dts: false,
    clean: true,
    splitting: false,
    noExternal: [/.*/],
    esbuildOptions(options) {
      options.alias = { ...options.alias, '@plaza/protocol': protocolSource, 'tus-js-client': tusBrowserSource };
      options.mainFields = ['browser', 'module', 'main'];
      options.conditions = ['browser', 'import', 'default'];
    },
    outExtension: () => ({ js: '.js' }),
  },
]);
