import { createHash } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { join } from 'node:path'

/** The longest log file name written, in bytes: file systems allow 255. */
export const MAX_FILE_NAME_BYTES = 200

/**
 * The file name of a route's log: `route-<name>.log`, with every character but letters, digits,
 * `.`, `_` and `-` replaced by `_`; a name too long for the file system is cut and ends with a
 * short hash of the whole name, so two long names never share a file.
 */
export function routeLogFileName(route: string): string {
  const safe = route.replace(/[^A-Za-z0-9._-]/g, '_') // ASCII only: one byte per character
  const whole = `route-${safe}.log`
  if (whole.length <= MAX_FILE_NAME_BYTES) return whole
  const hash = createHash('sha256').update(route).digest('hex').slice(0, 12)
  const keep = MAX_FILE_NAME_BYTES - 'route-'.length - '.log'.length - hash.length - 1
  return `route-${safe.slice(0, keep)}-${hash}.log`
}

// The `route` field pino writes for a route's child logger (the first one in the line).
const ROUTE_FIELD = /"route":"((?:[^"\\]|\\.)*)"/

/**
 * Lines logged for a route (they carry a `route` field: capture, timer, route errors) also go to
 * `logs/route-<name>.log`, as IG keeps one log per route. A file that cannot be written is
 * reported once through `onError` and dropped: its lines stay in the system log.
 */
export class RouteLogs {
  readonly #dir: string
  readonly #onError: (err: Error, file: string) => void
  // null: the file failed, its route's lines are no longer written anywhere but the system log
  readonly #files = new Map<string, WriteStream | null>()

  constructor(dir: string, onError: (err: Error, file: string) => void) {
    this.#dir = dir
    this.#onError = onError
  }

  write(line: string): void {
    const match = ROUTE_FIELD.exec(line)
    if (!match) return
    const name = routeLogFileName(JSON.parse(`"${match[1]!}"`) as string)
    let file = this.#files.get(name)
    if (file === undefined) {
      file = createWriteStream(join(this.#dir, name), { flags: 'a' })
      const opened = file
      opened.on('error', (err) => {
        if (this.#files.get(name) !== opened) return // reported already
        this.#files.set(name, null)
        opened.destroy()
        this.#onError(err, name)
      })
      this.#files.set(name, file)
    }
    file?.write(line)
  }

  /** Writes what is buffered and closes every file. */
  async close(): Promise<void> {
    const open = [...this.#files.values()].filter((f): f is WriteStream => f !== null)
    this.#files.clear()
    await Promise.all(open.map(closeStream))
  }
}

/** Ends a file stream; resolves once it is closed, or failed. */
export function closeStream(stream: WriteStream): Promise<void> {
  if (stream.closed || stream.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    stream.once('close', resolve)
    stream.once('error', () => resolve())
    stream.end()
  })
}
