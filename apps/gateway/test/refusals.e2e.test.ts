import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, onTestFinished, test } from 'vitest'
import { instanceDir, requireBuild, startBackend } from '@postern/testing'

/** Runs the CLI on an instance directory that it must refuse; resolves with its exit and stderr. */
async function refusedStart(dir: string, home: string) {
  const cli = requireBuild(new URL('../dist/cli.js', import.meta.url))
  const child = spawn(process.execPath, [cli, dir], {
    env: { PATH: process.env.PATH ?? '', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => void (child.exitCode === null && child.kill('SIGKILL')))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  child.stdout.resume() // the JSON log lines
  const [code] = (await once(child, 'close')) as [number | null]
  return { code, stderr }
}

const admin = { connectors: [{ port: 0, host: '127.0.0.1' }] }

describe('the CLI refuses to start with one line on stderr and a documented exit status', () => {
  test('an existing PID file: status 3, and the file is left as it was', async () => {
    const dir = instanceDir({ adminJson: admin })
    writeFileSync(join(dir, 'openig.pid'), '99999\n')
    expect(await refusedStart(dir, dir)).toEqual({
      code: 3,
      stderr: `gateway not started: PID file ${dir}/openig.pid exists: another gateway may be running on this instance; remove it or set pidFileMode to override\n`,
    })
    expect(readFileSync(join(dir, 'openig.pid'), 'utf8')).toBe('99999\n')
  })

  test('an admin.json that is not JSON: status 1, with the file and the position', async () => {
    const dir = instanceDir({ adminJson: '{ "connectors": [ { "port": 0 }' })
    const { code, stderr } = await refusedStart(dir, dir)
    expect(code).toBe(1)
    expect(stderr).toMatch(/^gateway not started: config\/admin\.json#: not valid JSON: [^\n]+\n$/)
    expect(existsSync(join(dir, 'openig.pid'))).toBe(false)
  })

  test('a connector port in use: status 1, naming the connector and the address', async () => {
    const taken = await startBackend((_req, res) => res.end())
    const dir = instanceDir({
      adminJson: { connectors: [{ port: taken.port, host: '127.0.0.1' }] },
    })
    expect(await refusedStart(dir, dir)).toEqual({
      code: 1,
      stderr: `gateway not started: config/admin.json#/connectors/0/port: cannot listen on 127.0.0.1:${taken.port}: the port is already in use\n`,
    })
    expect(existsSync(join(dir, 'openig.pid'))).toBe(false)
  })

  test('an instance directory that does not exist: status 2, and nothing is created', async () => {
    const home = instanceDir()
    const missing = join(home, 'no-such-instance')
    expect(await refusedStart(missing, home)).toEqual({
      code: 2,
      stderr: `gateway not started: instance directory ${missing} does not exist\n`,
    })
    expect(existsSync(missing)).toBe(false)
  })

  test('an instance directory that is a file: status 2', async () => {
    const home = instanceDir()
    const file = join(home, 'instance.txt')
    writeFileSync(file, 'not a directory')
    expect(await refusedStart(file, home)).toEqual({
      code: 2,
      stderr: `gateway not started: instance directory ${file} is not a directory\n`,
    })
  })
})
