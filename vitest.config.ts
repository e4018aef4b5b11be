import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Tests import @postern/* from src/ (the "@postern/source" export condition), so they never wait for a build.
export default defineConfig({
  ssr: { resolve: { conditions: ['@postern/source', 'node'] } },
  resolve: {
    conditions: ['@postern/source', 'node'],
    // plugins that tests drop into a temporary instance's extra/ import @postern/core from there:
    // the gateway resolves it for them (a Node loader hook in production, this alias in tests)
    alias: [
      {
        find: /^@postern\/core$/,
        replacement: fileURLToPath(new URL('packages/core/src/index.ts', import.meta.url)),
      },
      {
        find: /^@postern\/core\/internal$/,
        replacement: fileURLToPath(new URL('packages/core/src/internal.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['{packages,plugins,apps}/*/{src,test}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
