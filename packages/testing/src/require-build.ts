import { existsSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * The path of a build output that a test runs, such as `apps/gateway/dist/cli.js`. A missing one
 * fails the test, never skips it: `pnpm build` makes it, and CI builds before it tests.
 */
export function requireBuild(file: URL | string): string {
  const path = file instanceof URL ? fileURLToPath(file) : file
  if (!existsSync(path))
    throw new Error(`${relative(repoRoot, path)} is missing: run pnpm build first`)
  return path
}
