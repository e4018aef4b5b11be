#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ConfigErrors, PosternError } from '@postern/core'
import { createGateway, type Gateway } from '@postern/http'
import { ExitStatus, printRefusal, Refusal } from './exit.js'
import { createLogger, type GatewayLogger } from './logging.js'
import { defaultInstanceDir, parseArgs } from './options.js'
import { writePidFile } from './pid-file.js'
import { plugins } from './plugins.js'

function pidFileMode(instanceDir: string, system: Record<string, string>): string {
  const fromToken = system['ig.pid.file.mode'] ?? process.env.IG_PID_FILE_MODE
  if (fromToken) return fromToken
  const admin = join(instanceDir, 'config', 'admin.json')
  if (!existsSync(admin)) return 'fail'
  try {
    const mode = (JSON.parse(readFileSync(admin, 'utf8')) as { pidFileMode?: unknown }).pidFileMode
    return typeof mode === 'string' && !mode.includes('&{') ? mode : 'fail'
  } catch {
    return 'fail' // the gateway reports the broken admin.json when it loads it
  }
}

/**
 * The instance directory must exist, except the default `$HOME/.openig`, made on first start as
 * IG does: a mistyped directory is refused rather than started empty on port 8080.
 */
function checkInstanceDir(instanceDir: string): void {
  if (!existsSync(instanceDir)) {
    if (instanceDir !== defaultInstanceDir(process.env))
      throw new Refusal(ExitStatus.usage, `instance directory ${instanceDir} does not exist`)
    mkdirSync(instanceDir, { recursive: true })
  }
  if (!statSync(instanceDir).isDirectory())
    throw new Refusal(ExitStatus.usage, `instance directory ${instanceDir} is not a directory`)
}

/** Everything before the gateway starts; a problem is a Refusal (usage unless it says otherwise). */
function prepare(instanceDir: string, system: Record<string, string>) {
  try {
    checkInstanceDir(instanceDir)
    const removePid = writePidFile(instanceDir, pidFileMode(instanceDir, system))
    try {
      return { removePid, logger: createLogger(instanceDir) }
    } catch (err) {
      removePid()
      throw err
    }
  } catch (err) {
    if (err instanceof Refusal) throw err
    const reason = `instance directory ${instanceDir} cannot be used: ${(err as Error).message}`
    throw new Refusal(ExitStatus.usage, reason, { cause: err })
  }
}

/** Starts the gateway; resolves with the exit status of a start that failed. */
async function start(gateway: Gateway, logger: GatewayLogger, begin: number) {
  try {
    const { ports, adminPort } = await gateway.start()
    const all = adminPort === undefined ? ports : [...ports, adminPort]
    const line = `started in ${Math.round(performance.now() - begin)}ms on ports : [${all.join(' ')}]`
    logger.info({ instanceDir: gateway.instance.instanceDirectory, ports: all }, line)
    process.stdout.write(`${line}\n`)
    return undefined
  } catch (err) {
    const details =
      err instanceof ConfigErrors ? err.errors.map((e) => e.message) : [(err as Error).message]
    // a PosternError says all there is to say; anything else is a bug, logged with its stack
    logger.fatal(
      { err: err instanceof PosternError ? undefined : err, errors: details },
      'gateway not started',
    )
    printRefusal(details)
    return ExitStatus.config
  }
}

async function main(): Promise<void> {
  const begin = performance.now()
  const { instanceDir, systemProperties } = parseArgs(process.argv.slice(2), process.env)
  let prepared: ReturnType<typeof prepare>
  try {
    prepared = prepare(instanceDir, systemProperties)
  } catch (err) {
    printRefusal([(err as Error).message])
    process.exitCode = (err as Refusal).status
    return // nothing is open yet: the process ends by itself
  }
  const { logger, removePid } = prepared
  let exiting: Promise<void> | undefined
  const exit = (status: number) =>
    (exiting ??= (async () => {
      removePid()
      await logger.close() // then process.exit can neither lose nor choke on a log line
      process.exit(status)
    })())
  const gateway = createGateway({
    plugins,
    instanceDir,
    logger,
    systemProperties,
    env: process.env,
    // plugins in extra/ import @postern/* as this distribution has them
    resolveFrom: import.meta.url,
  })
  const starting = start(gateway, logger, begin)
  // from the first moment: a signal during the start stops the gateway once it is up
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping: draining in-flight requests')
    void starting
      .then(() => gateway.stop())
      .then(() => logger.info({}, 'stopped'))
      .then(
        () => exit(ExitStatus.stopped),
        (err: unknown) => {
          logger.error({ err }, 'stop failed')
          return exit(ExitStatus.config)
        },
      )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // the start may wait on unref'd timers only (a route's load deadline): the process stays up
  const alive = setInterval(() => {}, 60_000)
  const failed = await starting.finally(() => clearInterval(alive))
  if (failed !== undefined) await exit(failed)
}

main().catch((err: unknown) => {
  printRefusal([(err as Error).message])
  process.exitCode = ExitStatus.config
})
