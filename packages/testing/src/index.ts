import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { createGateway, type Gateway } from '@postern/http'
import type { Logger, Plugin } from '@postern/core'
import { cleanup } from './cleanup.js'
import { requireBuild } from './require-build.js'

export {
  startBackend,
  startChunkedJsonBackend,
  startConnectProxy,
  type Backend,
  type ChunkedJsonBackend,
} from './backend.js'
export { requireBuild } from './require-build.js'
export { manualClock, type ManualClock } from './clock.js'
export { configErrorsOf } from './config-errors.js'
export { until, type Truthy, type UntilOptions } from './until.js'
export { Browser, Page, type BrowserOptions, type Hop, type NavigateInit } from './browser.js'
export type { Cookie, RefusedCookie, SameSite } from './cookie-jar.js'
export type { Form, FormChoice, SubmitOptions, Submission } from './html-form.js'

/** A record the memory logger keeps: level, message and the fields logged with it. */
export interface LogLine {
  level: string
  msg: string | undefined
  [field: string]: unknown
}

/** A Logger that keeps every line in memory, for assertions on what the gateway logged. */
export function memoryLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { lines: LogLine[] } {
  const log = (level: string) => (obj: object, msg?: string) =>
    void lines.push({ ...bindings, ...obj, level, msg })
  return {
    lines,
    level: 'trace',
    isLevelEnabled: () => true,
    child: (more) => memoryLogger(lines, { ...bindings, ...more }),
    fatal: log('fatal'),
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    trace: log('trace'),
  }
}

export interface InstanceOptions {
  /** Route files, by file name: `{ '10-api.json': {...} }` (strings are written as they are). */
  routes?: Record<string, unknown>
  adminJson?: unknown
  configJson?: unknown
  /** Other files, by path relative to the instance directory. */
  files?: Record<string, string>
}

function write(path: string, content: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
}

/** A temporary instance directory with config/admin.json, config/config.json and routes. */
export function instanceDir(options: InstanceOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'postern-instance-'))
  mkdirSync(join(dir, 'config', 'routes'), { recursive: true })
  if (options.adminJson !== undefined) write(join(dir, 'config', 'admin.json'), options.adminJson)
  if (options.configJson !== undefined)
    write(join(dir, 'config', 'config.json'), options.configJson)
  for (const [name, content] of Object.entries(options.routes ?? {}))
    write(join(dir, 'config', 'routes', name), content)
  for (const [name, content] of Object.entries(options.files ?? {})) write(join(dir, name), content)
  cleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface StartGatewayOptions extends InstanceOptions {
  plugins: readonly Plugin[]
  env?: Record<string, string | undefined>
  systemProperties?: Record<string, string>
  /** Use an existing instance directory instead of making one. */
  dir?: string
  /** The clock of every heap object (sessions, caches, circuit breakers): see manualClock(). */
  now?: () => number
}

export interface RunningGateway {
  gateway: Gateway
  dir: string
  logs: LogLine[]
  url(path?: string): string
  /** Writes (or replaces) a route file. */
  writeRoute(name: string, content: unknown): void
  stop(): Promise<void>
}

/** The gateway in this process on port 0, on a temporary instance, stopped after the test. */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const dir = options.dir ?? instanceDir(options)
  const logger = memoryLogger()
  const adminJson =
    options.adminJson === undefined
      ? { connectors: [{ port: 0, host: '127.0.0.1' }] }
      : options.adminJson
  if (options.adminJson === undefined) write(join(dir, 'config', 'admin.json'), adminJson)
  const gateway = createGateway({
    plugins: options.plugins,
    instanceDir: dir,
    logger,
    env: options.env ?? {},
    ...(options.systemProperties ? { systemProperties: options.systemProperties } : {}),
    ...(options.adminJson === undefined ? {} : { ports: [0, 0, 0, 0] }),
    ...(options.now ? { now: options.now } : {}),
    drainTimeoutMs: 2000,
  })
  await gateway.start()
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await gateway.stop()
  }
  cleanup(stop)
  return {
    gateway,
    dir,
    logs: logger.lines,
    url: (path = '/') => gateway.url(path),
    writeRoute: (name, content) => write(join(dir, 'config', 'routes', name), content),
    stop,
  }
}

export interface GatewayProcess {
  child: ChildProcess
  ports: number[]
  output: string[]
  url(path?: string): string
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * The real CLI (`apps/gateway/dist/cli.js`, built by `pnpm build`) in a child process; resolves
 * when it prints `started in <N>ms on ports : [...]`.
 */
export async function startGatewayProcess(options: {
  dir: string
  args?: string[]
  env?: Record<string, string>
  timeoutMs?: number
}): Promise<GatewayProcess> {
  const cli = requireBuild(new URL('../../../apps/gateway/dist/cli.js', import.meta.url))
  const child = spawn(process.execPath, [cli, ...(options.args ?? []), options.dir], {
    env: { PATH: process.env.PATH ?? '', HOME: options.dir, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line))
  const lines = createInterface({ input: child.stdout! })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start:\n${output.join('\n')}`)),
      options.timeoutMs ?? 20_000,
    )
    lines.on('line', (line) => {
      output.push(line)
      const m = /started in \d+ms on ports : \[([\d ]*)\]/.exec(line)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!.split(' ').filter(Boolean).map(Number))
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}:\n${output.join('\n')}`))
    })
  })
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null) child.kill(signal)
    return exited
  }
  cleanup(() => stop('SIGKILL'))
  return { child, ports, output, url: (path = '/') => `http://127.0.0.1:${ports[0]}${path}`, stop }
}
