import { describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

function echo() {
  return startBackend((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () =>
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body })),
    )
  })
}

describe('StaticRequestFilter', () => {
  test('replaces the request: a POSTed form becomes an urlencoded entity (reference: login form)', async () => {
    const backend = await echo()
    const gw = await startGateway({
      plugins,
      routes: {
        's.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'StaticRequestFilter',
                  config: {
                    method: 'POST',
                    uri: `${backend.url}/login`,
                    headers: { 'X-Original-Path': ['${request.uri.path}'] },
                    form: { username: ['demo'], password: ["${request.headers['X-Pass'][0]}"] },
                  },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/anything?x=1'), { headers: { 'X-Pass': 'pass word' } })
    const seen = (await res.json()) as {
      method: string
      url: string
      headers: Record<string, string>
      body: string
    }
    expect(seen.method).toBe('POST')
    expect(seen.url).toBe('/login')
    expect(seen.headers['x-original-path']).toBe('/anything')
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(seen.body).toBe('username=demo&password=pass+word')
  })

  test('a GET form goes in the query string; an entity is sent as given', async () => {
    const backend = await echo()
    const gw = await startGateway({
      plugins,
      routes: {
        'g.json': {
          condition: "${request.uri.path == '/g'}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'StaticRequestFilter',
                  config: { method: 'GET', uri: `${backend.url}/search?a=1`, form: { q: ['x y'] } },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
        'p.json': {
          condition: "${request.uri.path == '/p'}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'StaticRequestFilter',
                  config: {
                    method: 'PUT',
                    uri: `${backend.url}/doc`,
                    entity: '{"m":"${request.method}"}',
                  },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
      },
    })
    expect(((await (await fetch(gw.url('/g'))).json()) as { url: string }).url).toBe(
      '/search?a=1&q=x+y',
    )
    expect(((await (await fetch(gw.url('/p'))).json()) as { body: string }).body).toBe(
      '{"m":"GET"}',
    )
  })
})

describe('LocationHeaderFilter', () => {
  test('rewrites a redirect to the application so that it points at the gateway; other locations stay', async () => {
    const backend = await startBackend((req, res) => {
      const external = req.url === '/away'
      res.writeHead(302, {
        Location: external
          ? 'https://elsewhere.example.com/x'
          : `http://127.0.0.1:${req.socket.localPort ?? 0}/app/next?y=2`,
      })
      res.end()
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'l.json': {
          condition: "${request.uri.path != '/base'}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: { filters: [{ type: 'LocationHeaderFilter' }], handler: 'ReverseProxyHandler' },
          },
        },
        'm.json': {
          condition: "${request.uri.path == '/base'}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                { type: 'RedirectFilter', config: { baseURI: 'https://ig.example.com:8443' } },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const port = new URL(gw.url('/')).port
    const res = await fetch(gw.url('/start'), { redirect: 'manual' })
    expect(res.headers.get('location')).toBe(`http://127.0.0.1:${port}/app/next?y=2`)
    expect((await fetch(gw.url('/away'), { redirect: 'manual' })).headers.get('location')).toBe(
      'https://elsewhere.example.com/x',
    )
    expect((await fetch(gw.url('/base'), { redirect: 'manual' })).headers.get('location')).toBe(
      'https://ig.example.com:8443/app/next?y=2',
    )
  })
})

describe('ForwardedRequestFilter', () => {
  test('rebases the request URI from X-Forwarded-Proto, Host and X-Forwarded-Port (reference example)', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'f.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ForwardedRequestFilter',
                  config: {
                    scheme: "${request.headers['X-Forwarded-Proto'][0]}",
                    host: "${split(request.headers['Host'][0], ':')[0]}",
                    port: "${integer(request.headers['X-Forwarded-Port'][0])}",
                  },
                },
              ],
              handler: {
                type: 'StaticResponseHandler',
                config: { status: 200, entity: '${request.uri}' },
              },
            },
          },
        },
        'bad.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [{ name: 'F', type: 'ForwardedRequestFilter', config: {} }],
              handler: 'ClientHandler',
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/p?q=1'), {
      headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Port': '8443' },
    })
    expect(await res.text()).toBe('https://127.0.0.1:8443/p?q=1')
    expect(gw.logs.find((l) => l.msg === 'route not loaded')?.errors).toEqual([
      {
        source: 'config/routes/bad.json',
        pointer: '/handler/config/filters/0/config',
        object: { name: 'F', type: 'ForwardedRequestFilter' },
        reason: 'at least one of scheme, host or port is required',
      },
    ])
  })
})
