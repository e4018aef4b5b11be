import { describe, expect, test } from 'vitest'
import { definePlugin, heaplet, Response, SessionContext, Type, type Handler } from '@postern/core'
import { manualClock, startGateway } from '@postern/testing'
import http from '../src/index.js'

/** A handler that counts the requests of a session (writes only when asked to). */
const counter = definePlugin({
  name: 'session-counter',
  version: '1.0.0',
  core: '^1.0.0',
  types: {
    SessionCounter: heaplet({
      schema: Type.Object({}),
      create: (): Handler => ({
        handle: async (context, request) => {
          const session = context.as(SessionContext)!.session
          if (request.uri.query === 'read')
            return new Response({ status: 200, entity: String(session.get('count') ?? 0) })
          if (request.uri.query === 'clear') session.clear()
          else session.set('count', Number(session.get('count') ?? 0) + 1)
          return new Response({ status: 200, entity: String(session.get('count') ?? 0) })
        },
      }),
    }),
  },
})

const route = { handler: { type: 'SessionCounter' } }

function cookieOf(response: globalThis.Response): string | undefined {
  return response.headers.getSetCookie()[0]?.split(';')[0]
}

describe('InMemorySessionManager', () => {
  test('by default a stateful session is created lazily, on the first write, behind IG_SESSIONID', async () => {
    const gw = await startGateway({ plugins: [http, counter], routes: { 'count.json': route } })
    const read = await fetch(gw.url('/?read'))
    expect(await read.text()).toBe('0')
    expect(read.headers.getSetCookie()).toEqual([])
    const first = await fetch(gw.url('/'))
    expect(await first.text()).toBe('1')
    const [setCookie] = first.headers.getSetCookie()
    expect(setCookie).toMatch(
      /^IG_SESSIONID=[\w-]{32}; Path=\/; Max-Age=1800; HttpOnly; SameSite=Lax$/,
    )
    const cookie = cookieOf(first)!
    const second = await fetch(gw.url('/'), { headers: { cookie } })
    expect(await second.text()).toBe('2')
    expect(second.headers.getSetCookie()).toEqual([]) // the cookie is still fresh
    // concurrent requests share the live session
    await Promise.all([1, 2, 3].map(() => fetch(gw.url('/'), { headers: { cookie } })))
    expect(await (await fetch(gw.url('/?read'), { headers: { cookie } })).text()).toBe('5')
    // another client, or a forged id, gets a new session
    expect(
      await (await fetch(gw.url('/'), { headers: { cookie: 'IG_SESSIONID=forged' } })).text(),
    ).toBe('1')
  })

  test('admin.json-independent config.json session: cookie properties and timeout', async () => {
    const clock = manualClock()
    const gw = await startGateway({
      now: clock.now,
      plugins: [http, counter],
      configJson: {
        handler: '_router',
        heap: [{ name: '_router', type: 'Router' }],
        session: {
          type: 'InMemorySessionManager',
          config: {
            timeout: '1 second',
            cookie: {
              name: 'MY_SESSION',
              secure: true,
              sameSite: 'strict',
              httpOnly: false,
              path: '/app',
            },
          },
        },
      },
      routes: { 'count.json': route },
    })
    const first = await fetch(gw.url('/'))
    expect(first.headers.getSetCookie()[0]).toMatch(
      /^MY_SESSION=[\w-]+; Path=\/app; Max-Age=1; Secure; SameSite=Strict$/,
    )
    const cookie = cookieOf(first)!
    expect(await (await fetch(gw.url('/'), { headers: { cookie } })).text()).toBe('2')
    // after the timeout without requests (each request extends it), the session is gone
    clock.advance(1300)
    const text = await (await fetch(gw.url('/?read'), { headers: { cookie } })).text()
    expect(text).toBe('0')
  })

  test('the number of live sessions is bounded: the least recently used is dropped', async () => {
    const gw = await startGateway({
      plugins: [http, counter],
      routes: { 'count.json': route },
      systemProperties: { 'postern.session.maxSessions': '2' },
    })
    const cookies: string[] = []
    for (let i = 0; i < 3; i++) cookies.push(cookieOf(await fetch(gw.url('/')))!)
    const read = async (cookie: string) =>
      (await fetch(gw.url('/?read'), { headers: { cookie } })).text()
    expect(await read(cookies[0]!)).toBe('0') // evicted
    expect(await read(cookies[1]!)).toBe('1')
    expect(await read(cookies[2]!)).toBe('1')
  })

  test('a route session overrides the gateway one for that route', async () => {
    const gw = await startGateway({
      plugins: [http, counter],
      routes: {
        'count.json': {
          ...route,
          session: {
            type: 'InMemorySessionManager',
            config: { cookie: { name: 'ROUTE_SESSION' } },
          },
        },
      },
    })
    const first = await fetch(gw.url('/'))
    expect(first.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['ROUTE_SESSION'])
  })
})
