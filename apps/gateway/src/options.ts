import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export interface CliOptions {
  instanceDir: string
  systemProperties: Record<string, string>
}

/** Splits `-Dname=value` options (from IG_OPTS and the command line) from the instance directory. */
export function parseArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): CliOptions {
  const systemProperties: Record<string, string> = {}
  const words = [...(env.IG_OPTS ?? '').split(/\s+/).filter(Boolean), ...argv]
  let instanceDir: string | undefined
  for (const word of words) {
    const m = /^-D([^=]+)(?:=(.*))?$/.exec(word)
    if (m) systemProperties[m[1]!] = m[2] ?? 'true'
    else if (!word.startsWith('-')) instanceDir = word
  }
  instanceDir ??=
    systemProperties['ig.instance.dir'] ?? env.IG_INSTANCE_DIR ?? defaultInstanceDir(env)
  return { instanceDir: resolve(instanceDir), systemProperties }
}

/** `$HOME/.openig`, the instance directory when none is given. */
export function defaultInstanceDir(env: Record<string, string | undefined>): string {
  return resolve(join(env.HOME ?? homedir(), '.openig'))
}
