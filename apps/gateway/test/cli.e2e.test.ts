import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { instanceDir, startBackend, startGatewayProcess } from '@postern/testing'
import { parseArgs } from '../src/options.js'

describe('command-line options', () => {
  test('the instance directory comes from the argument, -Dig.instance.dir, IG_INSTANCE_DIR, then ~/.openig', () => {
    expect(parseArgs(['/srv/ig'], {}).instanceDir).toBe('/srv/ig')
    expect(parseArgs([], { IG_OPTS: '-Dig.instance.dir=/opt/ig -Dlisten.port=9090' })).toEqual({
      instanceDir: '/opt/ig',
      systemProperties: { 'ig.instance.dir': '/opt/ig', 'listen.port': '9090' },
    })
    expect(parseArgs([], { IG_INSTANCE_DIR: '/data/ig' }).instanceDir).toBe('/data/ig')
    expect(parseArgs([], { HOME: '/home/u' }).instanceDir).toBe('/home/u/.openig')
    expect(parseArgs(['-Dflag'], { HOME: '/h' }).systemProperties).toEqual({ flag: 'true' })
  })
})

// startGatewayProcess fails with "run pnpm build first" when dist/cli.js is missing
describe('the CLI (apps/gateway/dist/cli.js)', () => {
  const admin = { connectors: [{ port: '&{listen.port}', host: '127.0.0.1' }] }

  test('starts, prints its ports, proxies a dropped-in IG route, and stops on SIGTERM with 0', async () => {
    const backend = await startBackend((req, res) => res.end(`app saw ${req.url}`))
    const dir = instanceDir({
      adminJson: admin,
      routes: { '10-app.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
    })
    const gw = await startGatewayProcess({ dir, env: { LISTEN_PORT: '0' } })
    expect(gw.output.some((l) => /^started in \d+ms on ports : \[\d+\]$/.test(l))).toBe(true)
    const res = await fetch(gw.url('/some/page?q=1'))
    expect(await res.text()).toBe('app saw /some/page?q=1')
    expect(readFileSync(join(dir, 'openig.pid'), 'utf8').trim()).toBe(String(gw.child.pid))
    expect(await gw.stop('SIGTERM')).toBe(0)
    expect(existsSync(join(dir, 'openig.pid'))).toBe(false)
    expect(readFileSync(join(dir, 'logs', 'route-system.log'), 'utf8')).toContain(
      '"msg":"route loaded"',
    )
  })

  test('a request in flight finishes before the gateway exits', async () => {
    let release: () => void = () => {}
    let reached: () => void = () => {}
    const arrived = new Promise<void>((resolve) => (reached = resolve))
    const backend = await startBackend((_req, res) => {
      release = () => res.end('finished')
      reached()
    })
    const dir = instanceDir({
      adminJson: admin,
      routes: { 'slow.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
    })
    const gw = await startGatewayProcess({ dir, env: { LISTEN_PORT: '0' } })
    const pending = fetch(gw.url('/slow')).then((r) => r.text())
    await arrived
    const exit = gw.stop('SIGTERM')
    release()
    expect(await pending).toBe('finished')
    expect(await exit).toBe(0)
  })

  test('an existing PID file stops the start unless pidFileMode is override', async () => {
    const dir = instanceDir({ adminJson: admin })
    writeFileSync(join(dir, 'openig.pid'), '99999\n')
    await expect(startGatewayProcess({ dir, env: { LISTEN_PORT: '0' } })).rejects.toThrow(
      /PID file .* exists/,
    )
    const gw = await startGatewayProcess({
      dir,
      env: { LISTEN_PORT: '0', IG_PID_FILE_MODE: 'override' },
    })
    expect(readFileSync(join(dir, 'openig.pid'), 'utf8').trim()).toBe(String(gw.child.pid))
    expect(await gw.stop()).toBe(0)
  })

  test('a bad config.json stops the start with the file, pointer and reason', async () => {
    const dir = instanceDir({
      adminJson: admin,
      configJson: { handler: { type: 'NoSuchHandler' } },
    })
    await expect(startGatewayProcess({ dir, env: { LISTEN_PORT: '0' } })).rejects.toThrow(
      'config/config.json#/handler/type: NoSuchHandler "{NoSuchHandler}/handler": unknown type NoSuchHandler: no plugin registers it',
    )
  })
})
