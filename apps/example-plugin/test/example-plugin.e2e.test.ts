import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import http from '@postern/http'
import {
  instanceDir,
  requireBuild,
  startBackend,
  startGateway,
  startGatewayProcess,
} from '@postern/testing'
import plugin from '../src/index.js'

const echo = () => startBackend((req, res) => res.end(`id=${String(req.headers['x-request-id'])}`))

const route = (backend: string, config: Record<string, unknown> = {}) => ({
  baseURI: backend,
  condition: "${request.uri.path != '/shout'}",
  handler: {
    type: 'Chain',
    config: {
      filters: [{ type: 'RequestIdFilter', config }],
      handler: 'ReverseProxyHandler',
    },
  },
})

describe('an outside plugin passed to createGateway', () => {
  test('its filter and expression function work like first-party ones', async () => {
    const backend = await echo()
    const gw = await startGateway({
      plugins: [http, plugin],
      routes: {
        'id.json': route(backend.url, { prefix: 'req-' }),
        'shout.json': {
          condition: "${request.uri.path == '/shout'}",
          handler: {
            type: 'StaticResponseHandler',
            config: { status: 200, entity: "${shout('quiet')}" },
          },
        },
      },
    })
    const response = await fetch(gw.url('/'))
    const id = response.headers.get('x-request-id')
    expect(id).toMatch(/^req-[0-9a-f-]{36}$/)
    expect(await response.text()).toBe(`id=${id}`)
    expect(await (await fetch(gw.url('/shout'))).text()).toBe('QUIET')
  })

  test('its config is validated with its schema: errors name the file and pointer', async () => {
    const gw = await startGateway({
      plugins: [http, plugin],
      routes: { 'bad.json': route('http://127.0.0.1:9', { headerName: 'not a header' }) },
    })
    const failed = gw.logs.find((l) => l.msg === 'route not loaded')
    expect(failed?.errors).toEqual([
      expect.objectContaining({
        source: 'config/routes/bad.json',
        pointer: '/handler/config/filters/0/config/headerName',
      }),
    ])
  })

  test('a trusted incoming ID that is malformed goes to the invalidIdHandler reference', async () => {
    const backend = await echo()
    const rejected = { type: 'StaticResponseHandler', config: { status: 422, entity: 'bad id' } }
    const gw = await startGateway({
      plugins: [http, plugin],
      routes: {
        'id.json': route(backend.url, { trustIncoming: true, invalidIdHandler: rejected }),
        'bad-ref.json': {
          condition: "${request.uri.path == '/never'}",
          handler: {
            type: 'Chain',
            config: {
              filters: [{ type: 'RequestIdFilter', config: { invalidIdHandler: 'NotThere' } }],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const good = await fetch(gw.url('/'), { headers: { 'x-request-id': 'abc-123' } })
    expect(await good.text()).toBe('id=abc-123')
    const bad = await fetch(gw.url('/'), { headers: { 'x-request-id': 'a b' } })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toBe('bad id')
    const failed = gw.logs.find((l) => l.msg === 'route not loaded')
    expect(failed?.errors).toEqual([
      expect.objectContaining({
        source: 'config/routes/bad-ref.json',
        pointer: '/handler/config/filters/0/config/invalidIdHandler',
        reason: 'no heap object named "NotThere"',
      }),
    ])
  })
})

describe('the built plugin dropped into extra/ of an instance run by the real CLI', () => {
  test('is loaded at start, logged, and serves', async () => {
    requireBuild(new URL('../dist/index.js', import.meta.url))
    const backend = await echo()
    const dir = instanceDir({
      adminJson: { connectors: [{ port: 0, host: '127.0.0.1' }] },
      routes: { 'id.json': route(backend.url, { headerName: 'X-Request-Id' }) },
    })
    // what a user does: copy the published package into extra/
    const target = join(dir, 'extra', 'example-plugin')
    mkdirSync(target, { recursive: true })
    cpSync(new URL('../package.json', import.meta.url).pathname, join(target, 'package.json'))
    cpSync(new URL('../dist', import.meta.url).pathname, join(target, 'dist'), { recursive: true })
    const gw = await startGatewayProcess({ dir })
    expect(gw.output.join('\n')).toContain(
      'loaded plugin @postern/example-plugin@0.1.0 from extra/example-plugin',
    )
    const response = await fetch(gw.url('/'))
    expect(await response.text()).toBe(`id=${response.headers.get('x-request-id')}`)
  })

  test('a broken module in extra/ stops the start with an error naming it', async () => {
    const dir = instanceDir({ adminJson: { connectors: [{ port: 0, host: '127.0.0.1' }] } })
    mkdirSync(join(dir, 'extra'))
    writeFileSync(join(dir, 'extra', 'broken.mjs'), 'export default {{ not javascript')
    await expect(startGatewayProcess({ dir, timeoutMs: 10_000 })).rejects.toThrow(
      /extra\/broken\.mjs/,
    )
  })
})
