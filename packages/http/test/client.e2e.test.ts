import { request as httpRequest } from 'node:http'
import { describe, expect, test } from 'vitest'
import { definePlugin, GenericSecret, heaplet, NoSuchSecretError, Type } from '@postern/core'
import { startBackend, startConnectProxy, startGateway } from '@postern/testing'
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
    expect((await fetch(gw.url('/bad'))).status).toBe(502)
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

  test('retries a failed connection, then gives up with a 502', async () => {
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
    expect((await fetch(gw.url('/'))).status).toBe(502)
    expect(gw.logs.find((l) => l.msg === 'all retries failed')).toMatchObject({ attempts: 3 })
  })

  test('the circuit opens after maxFailures in the window and the openHandler answers until openDuration passes', async () => {
    const backend = await startBackend(() => {})
    const url = backend.url
    await backend.close()
    const gw = await startGateway({
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
    expect((await fetch(gw.url('/'))).status).toBe(502)
    expect((await fetch(gw.url('/'))).status).toBe(502)
    const open = await fetch(gw.url('/'))
    expect(open.status).toBe(503)
    expect(await open.text()).toBe('circuit open')
    await new Promise((r) => setTimeout(r, 350))
    expect((await fetch(gw.url('/'))).status).toBe(502) // closed again: the call is tried
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
      'config/routes/bad.json#/handler/config: ClientHandler "C": circuitBreaker.slidingCounter.size must be greater than maxFailures',
    ])
  })
})
