import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { instanceDir, startGatewayProcess, until } from '@postern/testing'

const admin = { connectors: [{ port: '&{listen.port}', host: '127.0.0.1' }] }
const hello = { type: 'StaticResponseHandler', config: { status: 200, entity: 'still here' } }
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)

describe('per-route log files (logs/route-<name>.log)', () => {
  test('a route name longer than a file name may be gets a cut name with a hash, and the gateway keeps serving', async () => {
    const name = 'r'.repeat(100_000)
    const dir = instanceDir({ adminJson: admin, routes: { 'long.json': { name, handler: hello } } })
    const gw = await startGatewayProcess({ dir, env: { LISTEN_PORT: '0' } })
    expect(await (await fetch(gw.url('/'))).text()).toBe('still here')
    const logs = join(dir, 'logs')
    const file = await until(() => readdirSync(logs).find((f) => f.startsWith('route-r')))
    expect(file).toMatch(/^route-r+-[0-9a-f]{12}\.log$/)
    expect(Buffer.byteLength(file)).toBeLessThanOrEqual(200)
    await until(() => lines(join(logs, file)).some((l) => l.includes('"msg":"route loaded"')))
    expect(await gw.stop('SIGTERM')).toBe(0)
  })

  test('a route log that cannot be written is reported once in the system log; the route keeps serving', async () => {
    const dir = instanceDir({
      adminJson: admin,
      routes: { 'app.json': { name: 'app', capture: 'all', handler: hello } },
    })
    mkdirSync(join(dir, 'logs', 'route-app.log'), { recursive: true }) // a directory: not writable
    const gw = await startGatewayProcess({ dir, env: { LISTEN_PORT: '0' } })
    for (let i = 0; i < 3; i++) expect(await (await fetch(gw.url('/'))).text()).toBe('still here')
    const system = join(dir, 'logs', 'route-system.log')
    const reported = () => lines(system).filter((l) => l.includes('route log not written'))
    await until(() => reported().length > 0)
    expect(await gw.stop('SIGTERM')).toBe(0)
    expect(reported()).toHaveLength(1)
    expect(JSON.parse(reported()[0]!)).toMatchObject({
      level: 40,
      file: 'logs/route-app.log',
      err: { code: 'EISDIR' },
    })
  })
})
