import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { startBackend, startGateway, until } from '@postern/testing'
import http from '../src/index.js'

const plugins = [http]

describe('the default configuration', () => {
  test('serves the welcome page on GET /, 405 for other methods on /, 404 elsewhere', async () => {
    const gw = await startGateway({ plugins })
    const welcome = await fetch(gw.url('/'))
    expect(welcome.status).toBe(200)
    expect(welcome.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    expect(await welcome.text()).toContain('Welcome to Postern')
    const post = await fetch(gw.url('/'), { method: 'POST', body: 'x' })
    expect(post.status).toBe(405)
    expect(post.statusText).toBe('Method Not Allowed')
    expect((await fetch(gw.url('/nothing'))).status).toBe(404)
  })

  test('answers /openig/ping and /openig/api/info to loopback clients', async () => {
    const gw = await startGateway({ plugins })
    expect((await fetch(gw.url('/openig/ping'))).status).toBe(200)
    const info = await fetch(gw.url('/openig/api/info'))
    expect(info.status).toBe(200)
    expect(await info.json()).toMatchObject({
      product: 'Postern',
      plugins: [{ name: '@postern/http' }],
    })
    expect((await fetch(gw.url('/openig/unknown'))).status).toBe(404)
  })
})

describe('routes', () => {
  test('orders routes by name and sends the request to the first whose condition holds', async () => {
    const route = (name: string, condition: string | undefined, body: string) => ({
      name,
      ...(condition ? { condition } : {}),
      handler: { type: 'StaticResponseHandler', config: { status: 200, entity: body } },
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'z.json': route('00-first', "${find(request.uri.path, '^/a')}", 'first'),
        'a.json': route('01-second', "${find(request.uri.path, '^/a')}", 'second'),
        'b.json': route('02-catch-all', undefined, 'catch-all'),
      },
    })
    expect(await (await fetch(gw.url('/a/x'))).text()).toBe('first')
    expect(await (await fetch(gw.url('/b'))).text()).toBe('catch-all')
  })

  test('route properties, tokens and expressions in a route', async () => {
    const gw = await startGateway({
      plugins,
      env: { GREETING_WORD: 'Hello' },
      routes: {
        'props.json': {
          properties: { uriPath: 'hello', who: 'world' },
          condition: "${matchesWithRegex(request.uri.path, '^/&{uriPath}')}",
          handler: {
            type: 'StaticResponseHandler',
            config: {
              status: 201,
              headers: { 'X-Who': ['${who}', '${request.method}'] },
              entity: '&{greeting.word} ${who} from ${request.uri.path}',
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/hello'))
    expect(res.status).toBe(201)
    expect(res.headers.get('x-who')).toBe('world, GET')
    expect(await res.text()).toBe('Hello world from /hello')
  })

  test('a broken route file is reported with file, object and pointer, and the others keep serving', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'good.json': {
          handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'good' } },
        },
        'bad.json': {
          condition: "${find(request.uri.path, '^/bad')}",
          handler: { type: 'StaticResponseHandler', name: 'Oops', config: { status: 'twelve' } },
        },
        'worse.json': '{ not json',
      },
    })
    expect(await (await fetch(gw.url('/bad'))).text()).toBe('good')
    const errors = gw.logs.filter((l) => l.msg === 'route not loaded')
    // structured, so a log pipeline can point at the file and the JSON pointer
    expect(errors.map((e) => e.errors)).toContainEqual([
      {
        source: 'config/routes/bad.json',
        pointer: '/handler/config/status',
        object: { name: 'Oops', type: 'StaticResponseHandler' },
        reason: 'must be integer',
      },
    ])
    const invalid = gw.logs.find((l) => l.msg === 'route not loaded: invalid JSON')
    expect(invalid?.source).toBe('config/routes/worse.json')
    expect(invalid?.errors).toEqual([
      expect.objectContaining({
        source: 'config/routes/worse.json',
        pointer: '',
        line: 1,
        column: 3,
      }),
    ])
  })

  test('hot reload: added, changed and removed files take effect within a scan', async () => {
    const gw = await startGateway({ plugins, env: { IG_ROUTER_SCAN_INTERVAL: '50 ms' } })
    const text = (path: string) => fetch(gw.url(path)).then((r) => r.text())
    gw.writeRoute('r.json', {
      handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'v1' } },
    })
    await until(async () => expect(await text('/x')).toBe('v1'), { message: 'the added route' })
    gw.writeRoute('r.json', {
      handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'v2' } },
    })
    await until(async () => expect(await text('/x')).toBe('v2'), { message: 'the changed route' })
    const { rmSync } = await import('node:fs')
    rmSync(`${gw.dir}/config/routes/r.json`)
    await until(async () => expect((await fetch(gw.url('/x'))).status).toBe(404), {
      message: 'the removed route',
    })
  })
})

describe('proxying', () => {
  test('a baseURI route proxies to the application with bodies of several MB intact', async () => {
    const backend = await startBackend((req, res) => {
      const hash = createHash('sha256')
      let size = 0
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk)
        size += chunk.length
      })
      req.on('end', () => {
        res.setHeader('x-received', `${size}:${hash.digest('hex')}`)
        res.setHeader('x-path', req.url ?? '')
        res.setHeader('x-host', req.headers.host ?? '')
        res.end(randomBytes(3 * 1024 * 1024))
      })
    })
    const gw = await startGateway({
      plugins,
      routes: { 'proxy.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
    })
    const upload = randomBytes(5 * 1024 * 1024)
    const res = await fetch(gw.url('/app/a%20b?x=1&y=%2F'), { method: 'POST', body: upload })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-received')).toBe(
      `${upload.length}:${createHash('sha256').update(upload).digest('hex')}`,
    )
    // the path as received; the query decoded and encoded again (preserveOriginalQueryString false)
    expect(res.headers.get('x-path')).toBe('/app/a%20b?x=1&y=/')
    expect(res.headers.get('x-host')).toBe(new URL(gw.url()).host) // the client's Host is kept
    expect((await res.arrayBuffer()).byteLength).toBe(3 * 1024 * 1024)
  })

  test('an unreachable application is a 502', async () => {
    const backend = await startBackend(() => {})
    const url = backend.url
    await backend.close()
    const gw = await startGateway({
      plugins,
      routes: { 'down.json': { baseURI: url, handler: 'ReverseProxyHandler' } },
    })
    expect((await fetch(gw.url('/'))).status).toBe(502)
  })
})
