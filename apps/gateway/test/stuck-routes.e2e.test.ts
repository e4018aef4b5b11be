import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { instanceDir, startGatewayProcess, until } from '@postern/testing'

const admin = { connectors: [{ port: '&{listen.port}', host: '127.0.0.1' }] }
const config = {
  handler: {
    type: 'Router',
    name: '_router',
    config: { scanInterval: '50 ms', loadTimeout: '300 ms' },
  },
}
// A plugin dropped into extra/ whose type never finishes loading (a hung call at load time).
const hangingPlugin = `
import { definePlugin, heaplet, Type } from '@postern/core'
export default definePlugin({
  name: 'hanging-plugin', version: '1.0.0', core: '^1.0.0',
  types: { NeverLoads: heaplet({ schema: Type.Object({}), create: () => new Promise(() => {}) }) },
})
`

describe('the CLI with route files that cannot load', () => {
  test('a self-referring route and a route that never loads leave hot reload working, and SIGTERM removes the PID file', async () => {
    const dir = instanceDir({
      adminJson: admin,
      configJson: config,
      files: { 'extra/hanging.mjs': hangingPlugin },
      routes: {
        '00-loop.json': {
          heap: [{ name: 'a', type: 'Chain', config: { filters: [], handler: 'a' } }],
          handler: 'a',
        },
        '01-hangs.json': { handler: { type: 'NeverLoads' } },
      },
    })
    const gw = await startGatewayProcess({ dir, env: { LISTEN_PORT: '0' } })
    const { writeFileSync } = await import('node:fs')
    writeFileSync(
      join(dir, 'config', 'routes', '10-later.json'),
      JSON.stringify({
        handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'later' } },
      }),
    )
    await until(async () => expect(await (await fetch(gw.url('/x'))).text()).toBe('later'))
    expect(await gw.stop('SIGTERM')).toBe(0)
    expect(existsSync(join(dir, 'openig.pid'))).toBe(false)
  })
})
