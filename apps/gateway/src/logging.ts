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

/** The gateway's logger: JSON lines to stdout and to `logs/route-system.log` of the instance. */
export function createLogger(instanceDir: string, level = process.env.POSTERN_LOG_LEVEL ?? 'info'): Logger & { flush(): void } {
  const logs = join(instanceDir, 'logs')
  mkdirSync(logs, { recursive: true })
  const streams = pino.multistream([
    { level: level as pino.Level, stream: pino.destination({ dest: 1, sync: false }) },
    { level: level as pino.Level, stream: pino.destination({ dest: join(logs, 'route-system.log'), sync: false, mkdir: true }) },
  ])
  const logger = pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } }, streams)
  return logger as unknown as Logger & { flush(): void }
}
