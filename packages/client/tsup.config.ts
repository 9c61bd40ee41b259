import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const protocolSource = fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url));

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
      options.alias = { ...options.alias, '@plaza/protocol': protocolSource };
      options.mainFields = ['browser', 'module', 'main'];
      options.conditions = ['browser', 'import', 'default'];
    },
    outExtension: () => ({ js: '.js' }),
  },
]);
