import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { instanceDir, startGateway } from '@postern/testing'
import http from '../src/index.js'

const plugins = [http]
const text = (url: string, init?: RequestInit) => fetch(url, init).then((r) => r.text())

describe('admin.json and config.json', () => {
  test('the adminConnector port answers /ping and /api/info; the gateway ports no longer serve /openig', async () => {
    const dir = instanceDir({
      adminJson: {
        connectors: [{ port: [0, 0], host: '127.0.0.1' }],
        adminConnector: { port: 0, host: '127.0.0.1' },
      },
      routes: {
        'r.json': {
          handler: {
            type: 'StaticResponseHandler',
            config: { status: 200, entity: 'app ${request.uri.path}' },
          },
        },
      },
    })
    const { createGateway } = await import('../src/index.js')
    const gateway = createGateway({ plugins, instanceDir: dir, env: {}, ports: [0, 0] })
    const { ports, adminPort } = await gateway.start()
    try {
      expect(ports).toHaveLength(2)
      expect(adminPort).toBeGreaterThan(0)
      for (const port of ports)
        expect(await text(`http://127.0.0.1:${port}/page`)).toBe('app /page')
      expect((await fetch(`http://127.0.0.1:${adminPort}/ping`)).status).toBe(200)
      expect(await (await fetch(`http://127.0.0.1:${adminPort}/api/info`)).json()).toMatchObject({
        product: 'Postern',
      })
      expect(await text(`http://127.0.0.1:${ports[0]}/openig/ping`)).toBe('app /openig/ping')
    } finally {
      await gateway.stop()
    }
  })

  test('token files from IG_ENVCONFIG_DIRS, properties of config.json inherited by routes, and a custom config.json handler', async () => {
    const dir = instanceDir({
      configJson: {
        properties: { greeting: 'hello' },
        heap: [{ name: 'main', type: 'Router', config: { scanInterval: 'disabled' } }],
        handler: 'main',
      },
      routes: {
        't.json': {
          handler: {
            type: 'StaticResponseHandler',
            config: { status: 200, entity: '${greeting} &{app.name} &{from.json.file}' },
          },
        },
      },
    })
    const tokens = join(dir, 'tokens')
    mkdirSync(tokens)
    writeFileSync(join(tokens, 'app.properties'), 'app.name=postern\n')
    writeFileSync(join(tokens, 'more.json'), JSON.stringify({ from: { json: { file: 'yes' } } }))
    const gw = await startGateway({ plugins, dir, env: { IG_ENVCONFIG_DIRS: tokens } })
    expect(await text(gw.url('/'))).toBe('hello postern yes')
  })

  test('a Router inside a route serves the routes of its own directory (sub-router)', async () => {
    const gw = await startGateway({
      plugins,
      files: {
        'subroutes/01-inner.json': JSON.stringify({
          condition: "${request.uri.path == '/api/inner'}",
          handler: {
            type: 'StaticResponseHandler',
            config: { status: 200, entity: 'inner route' },
          },
        }),
      },
    })
    gw.writeRoute('10-api.json', {
      condition: "${find(request.uri.path, '^/api')}",
      handler: {
        type: 'Router',
        config: {
          directory: join(gw.dir, 'subroutes'),
          scanInterval: 'disabled',
          defaultHandler: {
            type: 'StaticResponseHandler',
            config: { status: 404, entity: 'no inner route' },
          },
        },
      },
    })
    await gw.gateway.heap.get<{ scan(): Promise<void> }>('_router').then((r) => r.scan())
    expect(await text(gw.url('/api/inner'))).toBe('inner route')
    const missing = await fetch(gw.url('/api/other'))
    expect([missing.status, await missing.text()]).toEqual([404, 'no inner route'])
  })

  test('a config.json that cannot be built stops the start with every error', async () => {
    const dir = instanceDir({
      configJson: {
        heap: [
          { name: 'a', type: 'Nope' },
          { name: 'b', type: 'AlsoNope' },
        ],
        handler: 'a',
      },
    })
    const { createGateway } = await import('../src/index.js')
    const gateway = createGateway({ plugins, instanceDir: dir, env: {}, ports: [0] })
    const error = (await gateway.start().catch((err: unknown) => err)) as {
      errors: { message: string }[]
    }
    expect(error.errors.map((e) => e.message)).toEqual([
      'config/config.json#/heap/0/type: Nope "a": unknown type Nope: no plugin registers it',
      'config/config.json#/heap/1/type: AlsoNope "b": unknown type AlsoNope: no plugin registers it',
    ])
  })
})
