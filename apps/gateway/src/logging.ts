import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import type { Logger } from '@postern/core'
import { closeStream, RouteLogs } from './route-logs.js'

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

/** The gateway's logger; `close()` writes what is buffered and closes the log files. */
export type GatewayLogger = Logger & { close(): Promise<void> }

/**
 * The gateway's logger: JSON lines to stdout, `logs/route-system.log` and per-route logs. A log
 * file that cannot be written never stops the gateway: it is reported once and left out.
 */
export function createLogger(
  instanceDir: string,
  level = process.env.POSTERN_LOG_LEVEL ?? 'info',
): GatewayLogger {
  const logs = join(instanceDir, 'logs')
  mkdirSync(logs, { recursive: true })
  const stdout = pino.destination({ dest: 1, sync: false })
  const system = createWriteStream(join(logs, 'route-system.log'), { flags: 'a' })
  let systemFailed = false
  system.on('error', (err) => {
    if (systemFailed) return
    systemFailed = true
    process.stderr.write(`postern: logs/route-system.log not written: ${err.message}\n`)
  })
  const routeLogs = new RouteLogs(logs, (err, file) =>
    logger.warn(
      { err, file: `logs/${file}` },
      'route log not written: its lines stay in the system log',
    ),
  )
  const lines = level as pino.Level
  const streams = pino.multistream([
    { level: lines, stream: stdout },
    {
      level: lines,
      stream: { write: (line: string) => void (systemFailed || system.write(line)) },
    },
    { level: lines, stream: routeLogs },
  ])
  const logger = pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } },
    streams,
  )
  const close = async () => {
    await Promise.all([closeStream(system), routeLogs.close()])
    try {
      stdout.flushSync()
    } catch {
      // stdout is gone (a closed pipe): there is nowhere left to say so
    }
  }
  return Object.assign(logger as unknown as Logger, { close })
}
