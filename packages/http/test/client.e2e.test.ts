import { request as httpRequest } from 'node:http'
import { describe, expect, test } from 'vitest'
import {
  definePlugin,
  GenericSecret,
  heaplet,
  NoSuchSecretError,
  Response,
  Type,
  type Filter,
} from '@postern/core'
import { manualClock, startBackend, startConnectProxy, startGateway } from '@postern/testing'
import http from '../src/index.js'

const plugins = [http]

describe('ClientHandler and ReverseProxyHandler failure modes', () => {
  test('an upstream slower than soTimeout is a 502', async () => {
    const backend = await startBackend(() => {}) // never answers
    const gw = await startGateway({
      plugins,
      routes: {
        'slow.json': {
          baseURI: backend.url,
          handler: { type: 'ReverseProxyHandler', config: { soTimeout: '300 ms' } },
        },
      },
    })
    const started = Date.now()
    const res = await fetch(gw.url('/'))
    expect(res.status).toBe(502)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(gw.logs.some((l) => l.msg === 'upstream timed out')).toBe(true)
  })

  test('an upstream that resets in the middle of the body aborts the client connection, and the gateway keeps serving', async () => {
    const backend = await startBackend((req, res) => {
      if (req.url === '/ok') return void res.end('fine')
      res.writeHead(200, { 'content-length': '100000' })
      res.write(Buffer.alloc(1000))
      setImmediate(() => res.socket?.destroy())
    })
    const gw = await startGateway({
      plugins,
      routes: { 'reset.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
    })
    const res = await fetch(gw.url('/reset'))
    expect(res.status).toBe(200)
    await expect(res.arrayBuffer()).rejects.toThrow()
    expect(await (await fetch(gw.url('/ok'))).text()).toBe('fine')
  })

  test('hop-by-hop headers are not forwarded either way; end-to-end headers are', async () => {
    const backend = await startBackend((req, res) => {
      res.setHeader('x-seen', JSON.stringify(req.headers))
      res.setHeader('keep-alive', 'timeout=5')
      res.setHeader('x-app', 'a')
      res.end('ok')
    })
    const gw = await startGateway({
      plugins,
      routes: { 'h.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
    })
    // fetch refuses to send Connection: node's client sends what it is told
    const res = await new Promise<{ headers: Record<string, string | string[] | undefined> }>(
      (resolve, reject) => {
        const req = httpRequest(
          gw.url('/'),
          { headers: { 'x-custom': '1', connection: 'x-drop', 'x-drop': 'gone', te: 'trailers' } },
          (r) => {
            r.resume()
            r.on('end', () => resolve({ headers: r.headers }))
          },
        )
        req.on('error', reject)
        req.end()
      },
    )
    const seen = JSON.parse(res.headers['x-seen'] as string) as Record<string, string>
    expect(seen['x-custom']).toBe('1')
    expect(seen['x-drop']).toBeUndefined()
    expect(seen.te).toBeUndefined()
    expect(res.headers['x-app']).toBe('a')
    expect(res.headers['keep-alive']).not.toBe('timeout=5')
  })

  test('large request headers within maxTotalHeadersSize pass intact', async () => {
    const backend = await startBackend(
      (req, res) => res.end(String(req.headers['x-big']?.length)),
      { maxHeaderSize: 65536 },
    )
    const gw = await startGateway({
      plugins,
      adminJson: { connectors: [{ port: 0, host: '127.0.0.1', maxTotalHeadersSize: 65536 }] },
      routes: { 'big.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
    })
    const res = await fetch(gw.url('/'), { headers: { 'x-big': 'v'.repeat(30000) } })
    expect(await res.text()).toBe('30000')
  })

  test('a chunked request body streams to the application', async () => {
    const backend = await startBackend((req, res) => {
      let size = 0
      req.on('data', (c: Buffer) => (size += c.length))
      req.on('end', () => res.end(`${req.headers['transfer-encoding']} ${size}`))
    })
    const gw = await startGateway({
      plugins,
      routes: { 'c.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
    })
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(gw.url('/'), { method: 'POST' }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve(body))
      })
      req.on('error', reject)
      for (let i = 0; i < 50; i++) req.write(Buffer.alloc(10_000, 1))
      req.end()
    })
    expect(text).toBe('chunked 500000')
  })
})

describe('ProxyOptions', () => {
  test('SystemProxyOptions sends requests through the proxy of http.proxyHost / http.proxyPort', async () => {
    const backend = await startBackend((req, res) => res.end(`app ${req.url}`))
    const proxied: string[] = []
    const proxy = await startConnectProxy((req) => void proxied.push(req.url ?? ''))
    const gw = await startGateway({
      plugins,
      systemProperties: { 'http.proxyHost': '127.0.0.1', 'http.proxyPort': String(proxy.port) },
      routes: {
        'p.json': {
          baseURI: backend.url,
          handler: {
            type: 'ClientHandler',
            config: { proxyOptions: { type: 'SystemProxyOptions' } },
          },
        },
      },
    })
    expect(await (await fetch(gw.url('/through?x=1'))).text()).toBe('app /through?x=1')
    expect(proxied).toEqual([`127.0.0.1:${backend.port}`])
  })

  test('CustomProxyOptions tunnels through its proxy with Basic credentials from a secret', async () => {
    const backend = await startBackend((req, res) => res.end(`app ${req.url}`))
    const seen: { target: string; auth: string | undefined }[] = []
    const proxy = await startConnectProxy((req) => {
      seen.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] })
      return req.headers['proxy-authorization'] === `Basic ${btoa('proxyuser:s3cret')}`
        ? undefined
        : '407 Proxy Authentication Required'
    })
    // a secret store as the SecretsProvider interface describes it, over a map
    const store = definePlugin({
      name: 'map-secrets',
      version: '1.0.0',
      core: '^1.0.0',
      types: {
        MapSecretStore: heaplet({
          schema: Type.Object({ secrets: Type.Record(Type.String(), Type.String()) }),
          create: (config) => {
            const lookup = async (id: string) => {
              const value = config.secrets[id]
              if (value === undefined) throw new NoSuchSecretError(id, 'GenericSecret')
              return new GenericSecret(value, { stableId: id })
            }
            return {
              getActive: lookup,
              getNamed: (id: string) => lookup(id),
              getValid: async (id: string) => [await lookup(id)],
            }
          },
        }),
      },
    })
    const route = (password: string) => ({
      baseURI: backend.url,
      heap: [
        {
          name: 'Secrets',
          type: 'MapSecretStore',
          config: { secrets: { 'myproxy.secret.id': password } },
        },
      ],
      handler: {
        type: 'ClientHandler',
        config: {
          proxyOptions: {
            type: 'CustomProxyOptions',
            config: {
              uri: proxy.url,
              username: 'proxyuser',
              passwordSecretId: 'myproxy.secret.id',
              secretsProvider: 'Secrets',
            },
          },
        },
      },
    })
    const gw = await startGateway({
      plugins: [...plugins, store],
      routes: {
        'good.json': { ...route('s3cret'), condition: "${request.uri.path == '/good'}" },
        'bad.json': { ...route('wrong'), condition: "${request.uri.path == '/bad'}" },
      },
    })
    expect(await (await fetch(gw.url('/good'))).text()).toBe('app /good')
    expect(seen[0]).toEqual({
      target: `127.0.0.1:${backend.port}`,
      auth: `Basic ${btoa('proxyuser:s3cret')}`,
    })
    // the proxy refuses the tunnel: ClientHandler propagates the error, the route answers 500
    expect((await fetch(gw.url('/bad'))).status).toBe(500)
    // the password never reaches the logs
    expect(JSON.stringify(gw.logs)).not.toContain('s3cret')
  })

  test('NoProxyOptions connects directly', async () => {
    const backend = await startBackend((req, res) => res.end(`direct ${req.url}`))
    const gw = await startGateway({
      plugins,
      systemProperties: { 'http.proxyHost': '127.0.0.1', 'http.proxyPort': '9' },
      routes: {
        'p.json': {
          baseURI: backend.url,
          handler: { type: 'ClientHandler', config: { proxyOptions: 'ProxyOptions' } },
        },
      },
    })
    expect(await (await fetch(gw.url('/x'))).text()).toBe('direct /x')
  })
})

describe('retries and circuit breaker', () => {
  test('retries a response that meets the condition, up to count, with the body sent again each time', async () => {
    const bodies: string[] = []
    const backend = await startBackend((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        bodies.push(body)
        res.statusCode = bodies.length < 3 ? 503 : 200
        res.end(`attempt ${bodies.length}`)
      })
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': {
          baseURI: backend.url,
          handler: {
            type: 'ClientHandler',
            config: {
              retries: { condition: '${response.status.code == 503}', count: 5, delay: '10 ms' },
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/'), { method: 'POST', body: 'payload' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('attempt 3')
    expect(bodies).toEqual(['payload', 'payload', 'payload'])
  })

  test('retries a failed connection, then gives up and propagates the error (500)', async () => {
    const backend = await startBackend(() => {})
    const url = backend.url
    await backend.close()
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': {
          baseURI: url,
          handler: { type: 'ClientHandler', config: { retries: { count: 2, delay: '10 ms' } } },
        },
      },
    })
    expect((await fetch(gw.url('/'))).status).toBe(500)
    expect(gw.logs.find((l) => l.msg === 'all retries failed')).toMatchObject({ attempts: 3 })
  })

  test('the circuit opens after maxFailures in the window and the openHandler answers until openDuration passes', async () => {
    const clock = manualClock()
    const backend = await startBackend(() => {})
    const url = backend.url
    await backend.close()
    const gw = await startGateway({
      now: clock.now,
      plugins,
      routes: {
        'cb.json': {
          baseURI: url,
          handler: {
            type: 'ClientHandler',
            config: {
              circuitBreaker: {
                maxFailures: 2,
                openDuration: '300 ms',
                slidingCounter: { size: 5 },
                openHandler: {
                  type: 'StaticResponseHandler',
                  config: { status: 503, entity: 'circuit open' },
                },
              },
            },
          },
        },
      },
    })
    // ClientHandler: each failed call propagates its error, a 500 when the route does not handle it
    expect((await fetch(gw.url('/'))).status).toBe(500)
    expect((await fetch(gw.url('/'))).status).toBe(500)
    const open = await fetch(gw.url('/'))
    expect(open.status).toBe(503)
    expect(await open.text()).toBe('circuit open')
    clock.advance(350)
    expect((await fetch(gw.url('/'))).status).toBe(500) // closed again: the call is tried
  })

  test('slidingCounter.size must be greater than maxFailures', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'bad.json': {
          handler: {
            name: 'C',
            type: 'ClientHandler',
            config: {
              circuitBreaker: { maxFailures: 5, openDuration: '1 s', slidingCounter: { size: 5 } },
            },
          },
        },
      },
    })
    expect(gw.logs.find((l) => l.msg === 'route not loaded')?.errors).toEqual([
      {
        source: 'config/routes/bad.json',
        pointer: '/handler/config',
        object: { name: 'C', type: 'ClientHandler' },
        reason: 'circuitBreaker.slidingCounter.size must be greater than maxFailures',
      },
    ])
  })
})

/** A filter that handles what its chain throws, as a route's failureHandler or script would. */
const errorPage = definePlugin({
  name: 'error-page',
  version: '1.0.0',
  core: '^1.0.0',
  types: {
    ErrorPageFilter: heaplet({
      schema: Type.Object({}),
      create: (): Filter => ({
        async filter(context, request, next) {
          try {
            return await next.handle(context, request)
          } catch (err) {
            const { code, message } = err as Error & { code?: string }
            return Response.of(503, `handled: ${code ?? message}`)
          }
        },
      }),
    }),
  },
})

/** The URL of an application that is down: nothing listens on its port any more. */
async function downUrl(): Promise<string> {
  const backend = await startBackend(() => {})
  await backend.close()
  return backend.url
}

describe('a failed call: ClientHandler propagates the error, ReverseProxyHandler answers 502', () => {
  test('the same unreachable application is a 502 through ReverseProxyHandler and a 500 through ClientHandler, logged with the transaction ID', async () => {
    const url = await downUrl()
    const gw = await startGateway({
      plugins,
      routes: {
        'proxy.json': {
          condition: "${find(request.uri.path, '^/proxy')}",
          baseURI: url,
          handler: 'ReverseProxyHandler',
        },
        'client.json': {
          condition: "${find(request.uri.path, '^/client')}",
          baseURI: url,
          handler: 'ClientHandler',
        },
      },
    })
    expect((await fetch(gw.url('/proxy'))).status).toBe(502)
    const res = await fetch(gw.url('/client'))
    expect(res.status).toBe(500)
    const failed = gw.logs.find((l) => l.msg === 'request failed')
    expect(failed).toMatchObject({ level: 'error', err: { code: 'ECONNREFUSED' } })
    expect(failed?.txId).toEqual(expect.any(String))
    // both handlers report the upstream, with its URI
    expect(gw.logs.filter((l) => l.msg === 'upstream unreachable')).toHaveLength(2)
  })

  test("a filter of the route sees the ClientHandler's error and answers for it", async () => {
    const url = await downUrl()
    const route = (handler: string) => ({
      baseURI: url,
      handler: { type: 'Chain', config: { filters: [{ type: 'ErrorPageFilter' }], handler } },
    })
    const gw = await startGateway({
      plugins: [...plugins, errorPage],
      routes: {
        'client.json': { ...route('ClientHandler'), condition: "${request.uri.path == '/c'}" },
        'proxy.json': { ...route('ReverseProxyHandler'), condition: "${request.uri.path == '/p'}" },
      },
    })
    const handled = await fetch(gw.url('/c'))
    expect([handled.status, await handled.text()]).toEqual([503, 'handled: ECONNREFUSED'])
    expect(gw.logs.some((l) => l.msg === 'request failed')).toBe(false)
    // ReverseProxyHandler's answer is a response: nothing is thrown for the filter to see
    expect((await fetch(gw.url('/p'))).status).toBe(502)
  })

  test('retries.runtimeExceptionCondition sees the exception: retried only when it holds', async () => {
    const url = await downUrl()
    const route = (condition: string) => ({
      baseURI: url,
      handler: {
        type: 'ClientHandler',
        config: { retries: { count: 2, delay: '10 ms', runtimeExceptionCondition: condition } },
      },
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'refused.json': {
          ...route("${exception.message.contains('ECONNREFUSED')}"),
          name: 'refused',
          condition: "${request.uri.path == '/refused'}",
        },
        'goaway.json': {
          ...route("${exception.message.contains('GOAWAY')}"),
          name: 'goaway',
          condition: "${request.uri.path == '/goaway'}",
        },
      },
    })
    expect((await fetch(gw.url('/refused'))).status).toBe(500)
    expect(gw.logs.find((l) => l.msg === 'all retries failed')).toMatchObject({ attempts: 3 })
    const before = gw.logs.filter((l) => l.msg === 'retrying request').length
    expect(before).toBe(2)
    expect((await fetch(gw.url('/goaway'))).status).toBe(500)
    expect(gw.logs.filter((l) => l.msg === 'retrying request')).toHaveLength(before)
  })

  test('an open circuit without openHandler: ClientHandler throws "circuit-breaker open", ReverseProxyHandler answers 502', async () => {
    const url = await downUrl()
    const route = (type: string) => ({
      baseURI: url,
      handler: {
        type,
        config: {
          circuitBreaker: { maxFailures: 1, openDuration: '1 minute', slidingCounter: { size: 2 } },
        },
      },
    })
    const gw = await startGateway({
      plugins: [...plugins, errorPage],
      routes: {
        'client.json': {
          condition: "${request.uri.path == '/c'}",
          handler: {
            type: 'Chain',
            config: {
              filters: [{ type: 'ErrorPageFilter' }],
              handler: route('ClientHandler').handler,
            },
          },
          baseURI: url,
        },
        'proxy.json': { ...route('ReverseProxyHandler'), condition: "${request.uri.path == '/p'}" },
      },
    })
    expect(await (await fetch(gw.url('/c'))).text()).toBe('handled: ECONNREFUSED')
    expect(await (await fetch(gw.url('/c'))).text()).toBe('handled: circuit-breaker open')
    expect((await fetch(gw.url('/p'))).status).toBe(502)
    expect((await fetch(gw.url('/p'))).status).toBe(502)
  })
})
