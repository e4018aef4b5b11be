import { describe, expect, test } from 'vitest'
import { startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

async function gateway(policies: unknown[], failureHandler?: unknown) {
  return startGateway({
    plugins,
    routes: {
      'cors.json': {
        handler: {
          type: 'Chain',
          config: {
            filters: [
              {
                name: 'cors',
                type: 'CorsFilter',
                config: { policies, ...(failureHandler ? { failureHandler } : {}) },
              },
            ],
            handler: {
              type: 'StaticResponseHandler',
              config: { status: 200, headers: { 'X-App': ['yes'] }, entity: 'app' },
            },
          },
        },
      },
    },
  })
}

const policy = {
  acceptedOrigins: ['https://www.example.com', 'https://example.org:8433'],
  acceptedMethods: ['GET', 'POST', 'PUT', 'MyCustomMethod'],
  acceptedHeaders: ['X-OpenAM-Username', 'Content-Type'],
  exposedHeaders: ['Set-Cookie', 'X-App'],
  maxAge: '10 minutes',
  allowCredentials: true,
}

const preflight = (origin: string, method: string, headers?: string) => ({
  method: 'OPTIONS',
  headers: {
    Origin: origin,
    'Access-Control-Request-Method': method,
    ...(headers ? { 'Access-Control-Request-Headers': headers } : {}),
  },
})

describe('CorsFilter preflight', () => {
  test('an accepted origin, method and headers get every Access-Control header, and the app is not called', async () => {
    const gw = await gateway([policy])
    const res = await fetch(
      gw.url('/api'),
      preflight('https://www.example.com', 'PUT', 'x-openam-username, content-type'),
    )
    expect(res.status).toBe(200)
    expect(
      Object.fromEntries(
        [...res.headers].filter(
          ([k]) => k.startsWith('access-control') || k === 'vary' || k === 'x-app',
        ),
      ),
    ).toEqual({
      'access-control-allow-origin': 'https://www.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
      'access-control-allow-methods': 'PUT',
      'access-control-allow-headers': 'x-openam-username, content-type',
      vary: 'Origin',
    })
    expect(await res.text()).toBe('')
  })

  test('the default port of an origin matches an origin written without it; a custom port must match', async () => {
    const gw = await gateway([policy])
    expect(
      (await fetch(gw.url('/'), preflight('https://www.example.com:443', 'GET'))).headers.get(
        'access-control-allow-origin',
      ),
    ).toBe('https://www.example.com:443')
    expect((await fetch(gw.url('/'), preflight('https://example.org:8433', 'GET'))).status).toBe(
      200,
    )
    expect((await fetch(gw.url('/'), preflight('https://example.org', 'GET'))).status).toBe(403)
  })

  test('a method that is not accepted (methods are case-sensitive) omits Allow-Methods; the failure handler is not called', async () => {
    const gw = await gateway([policy], { type: 'StaticResponseHandler', config: { status: 418 } })
    for (const method of ['DELETE', 'mycustommethod']) {
      const res = await fetch(gw.url('/'), preflight('https://www.example.com', method))
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-methods')).toBeNull()
    }
    expect(
      (
        await fetch(gw.url('/'), preflight('https://www.example.com', 'MyCustomMethod'))
      ).headers.get('access-control-allow-methods'),
    ).toBe('MyCustomMethod')
  })

  test('one header that is not accepted omits Allow-Headers entirely', async () => {
    const gw = await gateway([policy])
    const res = await fetch(
      gw.url('/'),
      preflight('https://www.example.com', 'GET', 'Content-Type, X-Evil'),
    )
    expect(res.headers.get('access-control-allow-headers')).toBeNull()
  })

  test('an origin no policy accepts gets the failure handler, else 403', async () => {
    const refused = await gateway([policy])
    const res = await fetch(refused.url('/'), preflight('https://evil.example.net', 'GET'))
    expect(res.status).toBe(403)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const handled = await gateway([policy], {
      type: 'StaticResponseHandler',
      config: { status: 401, entity: 'origin refused' },
    })
    const h = await fetch(handled.url('/'), preflight('https://evil.example.net', 'GET'))
    expect([h.status, await h.text()]).toEqual([401, 'origin refused'])
    expect((await fetch(refused.url('/'), preflight('not an origin', 'GET'))).status).toBe(403)
  })

  test('"*" accepts any origin, method and header; policies are tried in order', async () => {
    const gw = await gateway([
      { acceptedOrigins: ['https://first.example.com'], acceptedMethods: ['GET'] },
      { acceptedOrigins: '*', acceptedMethods: '*', acceptedHeaders: '*' },
    ])
    const any = await fetch(
      gw.url('/'),
      preflight('https://anything.example', 'PATCH', 'X-Whatever'),
    )
    expect(any.headers.get('access-control-allow-methods')).toBe('PATCH')
    expect(any.headers.get('access-control-allow-headers')).toBe('X-Whatever')
    expect(any.headers.get('access-control-allow-credentials')).toBeNull()
    expect(any.headers.get('access-control-max-age')).toBe('5')
    const first = await fetch(gw.url('/'), preflight('https://first.example.com', 'PATCH'))
    expect(first.headers.get('access-control-allow-methods')).toBeNull() // the first matching policy decides
  })
})

describe('CorsFilter actual requests', () => {
  test('an accepted origin reaches the app and gets Allow-Origin, credentials and exposed headers', async () => {
    const gw = await gateway([policy])
    const res = await fetch(gw.url('/api'), { headers: { Origin: 'https://www.example.com' } })
    expect(await res.text()).toBe('app')
    expect(res.headers.get('access-control-allow-origin')).toBe('https://www.example.com')
    expect(res.headers.get('access-control-allow-credentials')).toBe('true')
    expect(res.headers.get('access-control-expose-headers')).toBe('Set-Cookie, X-App')
    expect(res.headers.get('vary')).toBe('Origin')
  })

  test('a request without Origin is not CORS and passes untouched; a refused origin never reaches the app', async () => {
    const gw = await gateway([policy])
    const plain = await fetch(gw.url('/api'))
    expect(await plain.text()).toBe('app')
    expect(plain.headers.get('access-control-allow-origin')).toBeNull()
    const refused = await fetch(gw.url('/api'), {
      method: 'POST',
      body: 'x',
      headers: { Origin: 'https://evil.example.net' },
    })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('x-app')).toBeNull()
  })

  test('a bad accepted origin is a config error naming it', async () => {
    const gw = await gateway([
      { acceptedOrigins: ['https://ok.example.com', 'https://bad.example.com/path'] },
    ])
    expect(gw.logs.find((l) => l.msg === 'route not loaded')?.errors).toEqual([
      {
        source: 'config/routes/cors.json',
        pointer: '/handler/config/filters/0/config/policies/0/acceptedOrigins/1',
        object: { name: 'cors', type: 'CorsFilter' },
        reason: 'not an origin (scheme://host[:port]): https://bad.example.com/path',
      },
    ])
  })
})
