import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  // stripInternal: members marked @internal (constructors, plumbing) stay out of the published types.
  dts: { entry: 'src/index.ts', compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
});
