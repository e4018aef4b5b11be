import { defineConfig } from 'vitest/config'

// Tests import @postern/* from src/ (the "@postern/source" export condition), so they never wait for a build.
export default defineConfig({
  ssr: { resolve: { conditions: ['@postern/source', 'node'] } },
  resolve: { conditions: ['@postern/source', 'node'] },
  test: {
    include: ['{packages,plugins,apps}/*/{src,test}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
