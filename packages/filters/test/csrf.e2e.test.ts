import { describe, expect, test } from 'vitest'
import { startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'
import { csrfToken } from '../src/csrf-filter.js'

const plugins = [http, filters]

async function gateway(extra: Record<string, unknown> = {}) {
  return startGateway({
    plugins,
    routes: {
      'login.json': {
        condition: "${request.uri.path == '/login'}",
        handler: {
          type: 'StaticResponseHandler',
          config: {
            status: 200,
            headers: { 'Set-Cookie': ['openig-jwt-session=fresh-session; Path=/; HttpOnly'] },
            entity: 'logged in',
          },
        },
      },
      'app.json': {
        handler: {
          type: 'Chain',
          config: {
            filters: [
              {
                name: 'CsrfFilter-1',
                type: 'CsrfFilter',
                config: {
                  cookieName: 'openig-jwt-session',
                  headerName: 'X-CSRF-Token',
                  excludeSafeMethods: true,
                  ...extra,
                },
              },
            ],
            handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'changed' } },
          },
        },
      },
    },
  })
}

const session = { Cookie: 'openig-jwt-session=abc.def.ghi' }

describe('CsrfFilter', () => {
  test('a state-changing request with the session cookie and the right token passes', async () => {
    const gw = await gateway()
    const res = await fetch(gw.url('/transfer'), {
      method: 'POST',
      headers: { ...session, 'X-CSRF-Token': csrfToken('abc.def.ghi') },
    })
    expect([res.status, await res.text()]).toEqual([200, 'changed'])
    expect(res.headers.get('x-csrf-token')).toBe(csrfToken('abc.def.ghi'))
  })

  test.for([
    ['no token', {}],
    ['a wrong token', { 'X-CSRF-Token': 'forged' }],
    ['the token of another session', { 'X-CSRF-Token': csrfToken('someone-else') }],
    ['an empty token', { 'X-CSRF-Token': '' }],
  ] as const)('%s is refused with 403 and the valid token is returned', async ([, headers]) => {
    const gw = await gateway()
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(gw.url('/transfer'), {
        method,
        headers: { ...session, ...headers },
        ...(method === 'DELETE' ? {} : { body: 'amount=1000' }),
      })
      expect(res.status).toBe(403)
      expect(await res.text()).not.toBe('changed')
      expect(res.headers.get('x-csrf-token')).toBe(csrfToken('abc.def.ghi'))
    }
    expect(gw.logs.filter((l) => l.msg === 'CSRF token refused')).toHaveLength(4)
  })

  test('safe methods are not checked unless excludeSafeMethods is false', async () => {
    const lenient = await gateway()
    expect((await fetch(lenient.url('/page'), { headers: session })).status).toBe(200)
    const strict = await gateway({
      excludeSafeMethods: false,
      failureHandler: { type: 'StaticResponseHandler', config: { status: 400, entity: 'csrf' } },
    })
    const res = await fetch(strict.url('/page'), { headers: session })
    expect([res.status, await res.text()]).toEqual([400, 'csrf'])
    expect(res.headers.get('x-csrf-token')).toBe(csrfToken('abc.def.ghi'))
  })

  test('without a session cookie there is nothing to forge; a new session cookie comes with its token', async () => {
    const gw = await gateway()
    expect((await fetch(gw.url('/transfer'), { method: 'POST', body: 'x' })).status).toBe(200)
    const login = await fetch(gw.url('/login'))
    expect(login.headers.get('x-csrf-token')).toBeNull() // the login route has no CsrfFilter
  })

  test('the token header name can be changed', async () => {
    const gw = await gateway({ headerName: 'X-Requested-Token' })
    expect(
      (
        await fetch(gw.url('/t'), {
          method: 'POST',
          headers: { ...session, 'X-CSRF-Token': csrfToken('abc.def.ghi') },
        })
      ).status,
    ).toBe(403)
    expect(
      (
        await fetch(gw.url('/t'), {
          method: 'POST',
          headers: { ...session, 'X-Requested-Token': csrfToken('abc.def.ghi') },
        })
      ).status,
    ).toBe(200)
  })
})
