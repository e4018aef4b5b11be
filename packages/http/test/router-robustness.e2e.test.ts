import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { definePlugin, heaplet, Type, type Handler } from '@postern/core'
import { startGateway, until } from '@postern/testing'
import http from '../src/index.js'

const text = (url: string) => fetch(url).then((r) => r.text())
const staticRoute = (condition: string, entity: string) => ({
  condition,
  handler: { type: 'StaticResponseHandler', config: { status: 200, entity } },
})

// A type whose objects never finish loading: a heaplet waiting on a call that never answers.
let hung = 0
const hanging = definePlugin({
  name: 'hanging-test-plugin',
  version: '1.0.0',
  core: '^1.0.0',
  types: {
    NeverLoads: heaplet({
      schema: Type.Object({}),
      create: () => {
        hung++
        return new Promise<Handler>(() => {})
      },
    }),
  },
})

describe('the Router keeps scanning whatever one file does', () => {
  test('a route whose heap object refers to itself is a configuration error, and hot reload goes on', async () => {
    const gw = await startGateway({ plugins: [http], env: { IG_ROUTER_SCAN_INTERVAL: '50 ms' } })
    gw.writeRoute('00-loop.json', {
      heap: [{ name: 'a', type: 'Chain', config: { filters: [], handler: 'a' } }],
      handler: 'a',
    })
    const failed = await until(() =>
      gw.logs.find(
        (l) => l.msg === 'route not loaded' && l.source === 'config/routes/00-loop.json',
      ),
    )
    expect(failed.errors).toEqual([
      {
        source: 'config/routes/00-loop.json',
        pointer: '/heap/0',
        object: { name: 'a', type: 'Chain' },
        reason: 'circular reference between heap objects',
      },
    ])
    // later files are loaded, changed and removed as usual
    gw.writeRoute('10-later.json', staticRoute("${find(request.uri.path, '^/later')}", 'v1'))
    await until(async () => expect(await text(gw.url('/later'))).toBe('v1'))
    gw.writeRoute('10-later.json', staticRoute("${find(request.uri.path, '^/later')}", 'v2'))
    await until(async () => expect(await text(gw.url('/later'))).toBe('v2'))
    rmSync(join(gw.dir, 'config', 'routes', '00-loop.json'))
    rmSync(join(gw.dir, 'config', 'routes', '10-later.json'))
    await until(async () => expect((await fetch(gw.url('/later'))).status).toBe(404))
  })

  test('a cycle through two objects is found too', async () => {
    const gw = await startGateway({
      plugins: [http],
      routes: {
        'loop.json': {
          heap: [
            { name: 'first', type: 'Chain', config: { filters: [], handler: 'second' } },
            { name: 'second', type: 'Chain', config: { filters: [], handler: 'first' } },
          ],
          handler: 'first',
        },
      },
    })
    const failed = gw.logs.find((l) => l.msg === 'route not loaded')
    expect(failed?.errors).toContainEqual(
      expect.objectContaining({ reason: 'circular reference between heap objects' }),
    )
  })

  test('a route that never finishes loading is reported at its deadline; the other files load and the gateway stops', async () => {
    hung = 0
    const gw = await startGateway({
      plugins: [http, hanging],
      configJson: {
        handler: {
          type: 'Router',
          name: '_router',
          config: { scanInterval: '50 ms', loadTimeout: '200 ms' },
        },
      },
    })
    gw.writeRoute('00-hangs.json', { handler: { type: 'NeverLoads' } })
    gw.writeRoute('10-fine.json', staticRoute("${find(request.uri.path, '^/x')}", 'fine'))
    await until(async () => expect(await text(gw.url('/x'))).toBe('fine'))
    const reported = gw.logs.find(
      (l) => l.msg === 'route not loaded: still loading at the deadline',
    )
    expect(reported).toMatchObject({ source: 'config/routes/00-hangs.json', timeoutMs: 200 })
    // an unchanged file is not loaded again at every scan
    gw.writeRoute('20-more.json', staticRoute("${find(request.uri.path, '^/more')}", 'more'))
    await until(async () => expect(await text(gw.url('/more'))).toBe('more'))
    expect(hung).toBe(1)
    await gw.stop()
    expect(existsSync(join(gw.dir, 'openig.pid'))).toBe(false)
  })
})
