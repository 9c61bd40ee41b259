import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Type-level tests resolve `@plaza/*` through the root tsconfig's paths, so they need no build either. */
const rootTsconfig = fileURLToPath(new URL('./tsconfig.json', import.meta.url));

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/** Tests import the packages' sources directly, so no build is needed to run them. */
const alias = {
  '@plaza/protocol': src('protocol'),
  '@plaza/client': src('client'),
  '@plaza/server': src('server'),
  '@plaza/server-sdk': src('server-sdk'),
};

export default defineConfig({
  test: {
    projects: [
      ...['protocol', 'client', 'server', 'server-sdk'].map((name) => ({
        resolve: { alias },
        test: {
          name,
          root: `./packages/${name}`,
          include: ['src/**/*.test.ts'],
          typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: rootTsconfig },
        },
      })),
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'docs/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
