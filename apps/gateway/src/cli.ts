#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ConfigErrors, PosternError } from '@postern/core'
import { createGateway } from '@postern/http'
import { createLogger } from './logging.js'
import { parseArgs } from './options.js'
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
    return 'fail'
  }
}

async function main(): Promise<void> {
  const begin = performance.now()
  const { instanceDir, systemProperties } = parseArgs(process.argv.slice(2), process.env)
  const logger = createLogger(instanceDir)
  let removePid: () => void
  try {
    removePid = writePidFile(instanceDir, pidFileMode(instanceDir, systemProperties))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(1)
  }
  const gateway = createGateway({
    plugins,
    instanceDir,
    logger,
    systemProperties,
    env: process.env,
    // plugins in extra/ import @postern/* as this distribution has them
    resolveFrom: import.meta.url,
  })
  try {
    const { ports, adminPort } = await gateway.start()
    const all = adminPort === undefined ? ports : [...ports, adminPort]
    const line = `started in ${Math.round(performance.now() - begin)}ms on ports : [${all.join(' ')}]`
    logger.info({ instanceDir, ports: all }, line)
    process.stdout.write(`${line}\n`)
  } catch (err) {
    removePid()
    const details =
      err instanceof ConfigErrors ? err.errors.map((e) => e.message) : [(err as Error).message]
    logger.fatal(
      { err: err instanceof PosternError ? undefined : err, errors: details },
      'gateway not started',
    )
    process.stderr.write(`gateway not started:\n${details.map((d) => `  ${d}`).join('\n')}\n`)
    logger.flush()
    process.exit(1)
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping: draining in-flight requests')
    gateway
      .stop()
      .then(() => {
        removePid()
        logger.info({}, 'stopped')
        logger.flush()
        process.exit(0)
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'stop failed')
        removePid()
        process.exit(1)
      })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

void main()
