import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import type { Logger } from '@postern/core'

/** Paths never written to a log: credentials in headers and secret-bearing config. */
export const REDACT = [
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers.Authorization',
  'headers.Cookie',
  'headers["Set-Cookie"]',
  'request.headers.authorization',
  'request.headers.cookie',
  'response.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.clientSecret',
]

/**
 * Lines logged for a route (they carry a `route` field: capture, timer, route errors) also go to
 * `logs/route-<name>.log`, as IG keeps one log per route.
 */
class RouteLogs {
  readonly #dir: string
  readonly #files = new Map<string, ReturnType<typeof pino.destination>>()
  constructor(dir: string) {
    this.#dir = dir
  }
  write(line: string): void {
    const at = line.indexOf('"route":"')
    if (at < 0) return
    const end = line.indexOf('"', at + 9)
    const route = line.slice(at + 9, end).replace(/[^A-Za-z0-9._-]/g, '_')
    let file = this.#files.get(route)
    if (!file) {
      file = pino.destination({
        dest: join(this.#dir, `route-${route}.log`),
        sync: false,
        mkdir: true,
      })
      this.#files.set(route, file)
    }
    file.write(line)
  }
  flushSync(): void {
    for (const file of this.#files.values()) file.flushSync()
  }
}

/** The gateway's logger: JSON lines to stdout, `logs/route-system.log` and per-route logs. */
export function createLogger(
  instanceDir: string,
  level = process.env.POSTERN_LOG_LEVEL ?? 'info',
): Logger & { flush(): void } {
  const logs = join(instanceDir, 'logs')
  mkdirSync(logs, { recursive: true })
  const routeLogs = new RouteLogs(logs)
  const streams = pino.multistream([
    { level: level as pino.Level, stream: pino.destination({ dest: 1, sync: false }) },
    {
      level: level as pino.Level,
      stream: pino.destination({ dest: join(logs, 'route-system.log'), sync: false, mkdir: true }),
    },
    { level: level as pino.Level, stream: routeLogs },
  ])
  const logger = pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } },
    streams,
  )
  return logger as unknown as Logger & { flush(): void }
}
