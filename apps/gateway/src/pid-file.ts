import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export class PidFileError extends Error {
  override name = 'PidFileError'
  readonly code = 'ERR_POSTERN_PID_FILE'
}

/**
 * Writes `<instanceDir>/openig.pid`. With mode `fail` (the default) an existing PID file stops the
 * start; with `override` it is replaced. Returns a function that removes it.
 */
export function writePidFile(instanceDir: string, mode: string): () => void {
  const file = join(instanceDir, 'openig.pid')
  if (mode !== 'fail' && mode !== 'override')
    throw new PidFileError(`pidFileMode must be fail or override, not ${mode}`)
  if (existsSync(file)) {
    if (mode === 'fail') {
      throw new PidFileError(
        `PID file ${file} exists: another gateway may be running on this instance; remove it or set pidFileMode to override`,
      )
    }
    rmSync(file)
  }
  writeFileSync(file, `${process.pid}\n`)
  return () => rmSync(file, { force: true })
}
