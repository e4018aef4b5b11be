import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ExitStatus, Refusal } from './exit.js'

/**
 * Writes `<instanceDir>/openig.pid`. With mode `fail` (the default) an existing PID file stops the
 * start; with `override` it is replaced. Returns a function that removes it.
 */
export function writePidFile(instanceDir: string, mode: string): () => void {
  const file = join(instanceDir, 'openig.pid')
  if (mode !== 'fail' && mode !== 'override')
    throw new Refusal(ExitStatus.config, `pidFileMode must be fail or override, not ${mode}`)
  try {
    // `wx`: created only if absent, in one step, so two gateways starting together cannot both win
    writeFileSync(file, `${process.pid}\n`, { flag: mode === 'fail' ? 'wx' : 'w' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    throw new Refusal(
      ExitStatus.running,
      `PID file ${file} exists: another gateway may be running on this instance; remove it or set pidFileMode to override`,
      { cause: err },
    )
  }
  return () => rmSync(file, { force: true })
}
