import { describe, expect, test } from 'vitest'
import { manualClock, startBackend, startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

describe('SetCookieUpdateFilter', () => {
  test('rules apply in order (reference: CSRF then .*), with previous, flags and removal', async () => {
    const backend = await startBackend((_req, res) => {
      res.setHeader('Set-Cookie', [
        'CSRF=abc; Path=/; Max-Age=10',
        'session=xyz; HttpOnly; SameSite=Strict',
      ])
      res.end('ok')
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'c.json': {
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'SetCookieUpdateFilter',
                  config: {
                    cookies: {
                      CSRF: {
                        value: 'myValue',
                        secure: '${true}',
                        SameSite: 'none',
                        'Max-Age': '${integer(previous) + 5}',
                      },
                      '.*': { SameSite: 'LAX', 'http-only': true, path: '${previous}' },
                    },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/'))
    expect(res.headers.getSetCookie()).toEqual([
      'CSRF=myValue; Path=/; Max-Age=15; Secure; SameSite=LAX; HttpOnly',
      'session=xyz; SameSite=LAX; HttpOnly',
    ])
  })
})

describe('CircuitBreakerFilter', () => {
  test('opens after maxFailures failed calls in the window and uses the openHandler for openDuration', async () => {
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
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'CircuitBreakerFilter',
                  config: {
                    maxFailures: 2,
                    openDuration: '300 ms',
                    slidingCounter: { size: 10 },
                    openHandler: {
                      type: 'StaticResponseHandler',
                      config: { status: 503, entity: 'open' },
                    },
                  },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
        'b.json': {
          name: 'zz',
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  name: 'B',
                  type: 'CircuitBreakerFilter',
                  config: { maxFailures: 3, openDuration: '1 s', slidingCounter: { size: 2 } },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
      },
    })
    // ClientHandler propagates its error: the filter counts it, the route answers 500
    expect([(await fetch(gw.url('/'))).status, (await fetch(gw.url('/'))).status]).toEqual([
      500, 500,
    ])
    const open = await fetch(gw.url('/'))
    expect([open.status, await open.text()]).toEqual([503, 'open'])
    clock.advance(350)
    expect((await fetch(gw.url('/'))).status).toBe(500)
    expect(gw.logs.find((l) => l.msg === 'route not loaded')?.errors).toEqual([
      {
        source: 'config/routes/b.json',
        pointer: '/handler/config/filters/0/config',
        object: { name: 'B', type: 'CircuitBreakerFilter' },
        reason: 'slidingCounter.size must be greater than maxFailures',
      },
    ])
  })
})
