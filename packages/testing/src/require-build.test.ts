import { expect, test } from 'vitest'
import { requireBuild } from './require-build.js'

test('a missing build output fails with the file and what to run', () => {
  expect(() => requireBuild(new URL('../dist/no-such-file.js', import.meta.url))).toThrow(
    'packages/testing/dist/no-such-file.js is missing: run pnpm build first',
  )
  const here = new URL(import.meta.url)
  expect(requireBuild(here)).toBe(here.pathname)
})
