import { readdir, stat, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { HeapletEnv } from '@postern/core'

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** Java's SimpleDateFormat for the patterns rotation suffixes use (yyyy MM dd HH mm ss). */
export function formatSuffix(pattern: string, date: Date): string {
  return pattern
    .replace('yyyy', String(date.getFullYear()))
    .replace('MM', pad(date.getMonth() + 1))
    .replace('dd', pad(date.getDate()))
    .replace('HH', pad(date.getHours()))
    .replace('mm', pad(date.getMinutes()))
    .replace('ss', pad(date.getSeconds()))
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** The size and time policies of `fileRotation` that rotation checks. */
export interface RotationPolicy {
  readonly maxFileSize: number
  /** Milliseconds; 0 or Infinity: no time-based rotation. */
  readonly rotationInterval: number
}

/** Whether a file of `size` bytes, opened at `openedAt`, rotates before `adding` more bytes. */
export function rotationDue(
  policy: RotationPolicy,
  size: number,
  adding: number,
  openedAt: number,
  now = Date.now(),
): boolean {
  const bySize = policy.maxFileSize > 0 && size > 0 && size + adding > policy.maxFileSize
  const byTime =
    Number.isFinite(policy.rotationInterval) &&
    policy.rotationInterval > 0 &&
    now - openedAt >= policy.rotationInterval
  return bySize || byTime
}

/**
 * The path a rotated file moves to: `<dir>/<prefix><base><suffix>`, the suffix formatted with
 * `date`, and `.1`, `.2`... when that name is taken.
 */
export async function historyFile(
  dir: string,
  prefix: string,
  base: string,
  suffixPattern: string,
  date: Date,
): Promise<string> {
  let target = join(dir, `${prefix}${base}${formatSuffix(suffixPattern, date)}`)
  for (let n = 1; await exists(target); n++) target = `${target.replace(/\.\d+$/, '')}.${n}`
  return target
}

/**
 * Deletes the oldest history files of `<dir>/<historyPrefix>*` beyond `keep` (0 or less: keeps
 * all). A history file's companion (`<file><companion>`, such as a tamper-evident file's key
 * file) is not counted, and goes with its file.
 */
export async function pruneHistory(
  dir: string,
  historyPrefix: string,
  keep: number,
  companion?: string,
): Promise<void> {
  if (keep <= 0) return
  const isCompanion = (f: string) =>
    companion !== undefined && (f.endsWith(companion) || f.endsWith(`${companion}.tmp`))
  const history = (await readdir(dir)).filter(
    (f) => f.startsWith(historyPrefix) && f !== historyPrefix && !isCompanion(f),
  )
  const dated = await Promise.all(
    history.map(async (f) => ({ f, t: (await stat(join(dir, f))).mtimeMs })),
  )
  dated.sort((a, b) => b.t - a.t || b.f.localeCompare(a.f))
  for (const { f } of dated.slice(keep)) {
    await unlink(join(dir, f)).catch(() => {})
    if (companion !== undefined) await unlink(join(dir, `${f}${companion}`)).catch(() => {})
  }
}

/** A `logDirectory` (or keystore file) relative to the instance directory, or absolute. */
export function dirOf(path: string, env: HeapletEnv): string {
  return resolve(env.instance?.instanceDirectory ?? process.cwd(), path)
}
