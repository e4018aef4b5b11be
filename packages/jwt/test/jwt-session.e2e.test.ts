import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import http from '@postern/http'
import filters from '@postern/filters'
import secrets from '@postern/secrets'
import { manualClock, startGateway } from '@postern/testing'
import jwt from '../src/index.js'

const plugins = [http, filters, secrets, jwt]
const dir = mkdtempSync(join(tmpdir(), 'postern-jwt-session-'))
const keystore = join(dir, 'jwtsessionkeystore.pkcs12')
const env = { KEYSTORE_SECRET_ID: 'cGFzc3dvcmQ=' }

beforeAll(() => {
  // the install guide's command, unchanged
  execFileSync('keytool', [
    '-genseckey',
    '-alias',
    'symmetric-key',
    '-keystore',
    keystore,
    '-storepass',
    'password',
    '-storetype',
    'pkcs12',
    '-keyalg',
    'HmacSHA512',
    '-keysize',
    '512',
  ])
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The heap and session of the install guide's routes. */
function guideRoute(extra: Record<string, unknown>, session: Record<string, unknown> = {}) {
  return {
    heap: [
      {
        name: 'KeyStoreSecretStore-1',
        type: 'KeyStoreSecretStore',
        config: {
          file: keystore,
          storeType: 'PKCS12',
          storePasswordSecretId: 'keystore.secret.id',
          secretsProvider: ['SystemAndEnvSecretStore-1'],
          mappings: [{ secretId: 'jwtsession.symmetric.secret.id', aliases: ['symmetric-key'] }],
        },
      },
      { name: 'SystemAndEnvSecretStore-1', type: 'SystemAndEnvSecretStore' },
    ],
    session: {
      type: 'JwtSession',
      config: {
        authenticatedEncryptionSecretId: 'jwtsession.symmetric.secret.id',
        encryptionMethod: 'A256CBC-HS512',
        secretsProvider: ['KeyStoreSecretStore-1'],
        cookie: { name: 'IG', domain: '.example.com' },
        ...session,
      },
    },
    ...extra,
  }
}

function retrieveRoute(instance: string) {
  return guideRoute({
    name: `${instance}-retrieve-session-username`,
    handler: {
      type: 'StaticResponseHandler',
      config: {
        status: 200,
        headers: { 'Content-Type': ['text/html; charset=UTF-8'] },
        entity: [
          '<html>',
          '  <body>',
          `    \${session.authUsername!= null?'Hello, '.concat(session.authUsername).concat(' !'):'Session.authUsername is not defined'}! (${instance})`,
          '    </body>',
          '</html>',
        ],
      },
    },
    condition: "${find(request.uri.path, '/webapp/browsing')}",
    capture: 'all',
  })
}

const cookiesOf = (response: globalThis.Response) =>
  response.headers.getSetCookie().map((c) => c.split(';')[0]!)

describe('JwtSession: the install guide', () => {
  test('Encrypt JWT sessions: the jwt-session-encrypt route answers and sets an encrypted IG cookie only once the session has content', async () => {
    const gw = await startGateway({
      plugins,
      env,
      routes: {
        'jwt-session-encrypt.json': guideRoute({
          name: 'jwt-session-encrypt',
          handler: {
            type: 'StaticResponseHandler',
            config: {
              status: 200,
              headers: { 'Content-Type': ['text/plain; charset=UTF-8'] },
              entity: 'Hello world!',
            },
          },
          condition: "${request.uri.path == '/jwt-session-encrypt'}",
        }),
      },
    })
    const response = await fetch(gw.url('/jwt-session-encrypt'))
    expect(await response.text()).toBe('Hello world!')
    expect(response.headers.getSetCookie()).toEqual([]) // an empty session writes nothing
  })

  test('Share JWT sessions between multiple instances: three gateways, one key', async () => {
    const instance2 = await startGateway({
      plugins,
      env,
      routes: { 'instance2.json': retrieveRoute('instance2') },
    })
    const instance3 = await startGateway({
      plugins,
      env,
      routes: { 'instance3.json': retrieveRoute('instance3') },
    })
    const instance1 = await startGateway({
      plugins,
      env,
      routes: {
        'instance1-loadbalancer.json': guideRoute({
          name: 'instance1-loadbalancer',
          handler: {
            type: 'DispatchHandler',
            config: {
              bindings: [
                {
                  condition:
                    "${find(request.uri.path, '/webapp/browsing') and (contains(request.uri.query, 'one') or empty(request.uri.query))}",
                  baseURI: instance2.url('').replace(/\/$/, ''),
                  handler: 'ReverseProxyHandler',
                },
                {
                  condition:
                    "${find(request.uri.path, '/webapp/browsing') and contains(request.uri.query, 'two')}",
                  baseURI: instance3.url('').replace(/\/$/, ''),
                  handler: 'ReverseProxyHandler',
                },
                {
                  condition: "${find(request.uri.path, '/log-in-and-generate-session')}",
                  handler: {
                    type: 'Chain',
                    config: {
                      filters: [
                        {
                          type: 'AssignmentFilter',
                          config: {
                            onRequest: [{ target: '${session.authUsername}', value: 'Sam Carter' }],
                          },
                        },
                      ],
                      handler: {
                        type: 'StaticResponseHandler',
                        config: {
                          status: 200,
                          headers: { 'Content-Type': ['text/html; charset=UTF-8'] },
                          entity:
                            '<html><body>Sam Carter logged IN. (JWT session generated)</body></html>',
                        },
                      },
                    },
                  },
                },
              ],
            },
          },
          capture: 'all',
        }),
      },
    })
    const before = await fetch(instance1.url('/webapp/browsing?one'))
    expect(await before.text()).toContain('Session.authUsername is not defined! (instance2)')
    const login = await fetch(instance1.url('/log-in-and-generate-session'))
    expect(await login.text()).toContain('Sam Carter logged IN')
    const [setCookie] = login.headers.getSetCookie()
    expect(setCookie).toMatch(
      /^IG=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Domain=\.example\.com; HttpOnly; SameSite=Lax$/,
    )
    const cookie = cookiesOf(login).join('; ')
    const two = await fetch(instance1.url('/webapp/browsing?two'), { headers: { cookie } })
    expect(await two.text()).toContain('Hello, Sam Carter !! (instance3)')
    const one = await fetch(instance1.url('/webapp/browsing?one'), { headers: { cookie } })
    expect(await one.text()).toContain('Hello, Sam Carter !! (instance2)')
    // reading the session changes nothing: no cookie is written back
    expect(one.headers.getSetCookie()).toEqual([])
  })
})

/** A route that counts in a JWT session, fills it with `size` bytes, or empties it. */
function counterRoute(session: Record<string, unknown> = {}) {
  return guideRoute(
    {
      handler: {
        type: 'Chain',
        config: {
          filters: [
            {
              type: 'SwitchFilter',
              config: {
                onRequest: [
                  {
                    condition: "${request.uri.query == 'clear'}",
                    handler: {
                      type: 'Chain',
                      config: {
                        filters: [
                          {
                            type: 'AssignmentFilter',
                            config: {
                              onRequest: [
                                { target: '${session.count}', value: null },
                                { target: '${session.big}', value: null },
                              ],
                            },
                          },
                        ],
                        handler: {
                          type: 'StaticResponseHandler',
                          config: { status: 200, entity: 'cleared' },
                        },
                      },
                    },
                  },
                  {
                    condition: "${request.uri.query == 'read'}",
                    handler: {
                      type: 'StaticResponseHandler',
                      config: { status: 200, entity: '${session.count}' },
                    },
                  },
                ],
              },
            },
            {
              type: 'AssignmentFilter',
              config: {
                onRequest: [
                  {
                    target: '${session.count}',
                    value: '${empty session.count ? 1 : session.count + 1}',
                  },
                  {
                    condition: "${not empty request.queryParams['big']}",
                    target: '${session.big}',
                    value: "${request.queryParams['big'][0]}",
                  },
                ],
              },
            },
          ],
          handler: {
            type: 'StaticResponseHandler',
            config: { status: 200, entity: '${session.count}' },
          },
        },
      },
    },
    session,
  )
}

describe('JwtSessionManager write-back rules and refusals', () => {
  test('changed: new cookie; unchanged: nothing; empty: expired cookie; over 4 KB: several cookies', async () => {
    const gw = await startGateway({ plugins, env, routes: { 'count.json': counterRoute() } })
    const first = await fetch(gw.url('/'))
    expect(await first.text()).toBe('1')
    let cookie = cookiesOf(first).join('; ')
    const second = await fetch(gw.url('/'), { headers: { cookie } })
    expect(await second.text()).toBe('2')
    cookie = cookiesOf(second).join('; ')
    const read = await fetch(gw.url('/?read'), { headers: { cookie } })
    expect(await read.text()).toBe('2')
    expect(read.headers.getSetCookie()).toEqual([])
    // a session above 4 KB is split over IG, IG_1, IG_2... and reassembled
    const big = 'x'.repeat(9000)
    const large = await fetch(gw.url(`/?big=${big}`), { headers: { cookie } })
    const parts = cookiesOf(large)
    // 9000 bytes are ~12 KB once encrypted and base64url-encoded: four cookies
    expect(parts.map((c) => c.split('=')[0])).toEqual(['IG', 'IG_1', 'IG_2', 'IG_3'])
    for (const header of large.headers.getSetCookie()) expect(header.length).toBeLessThan(4096)
    cookie = parts.join('; ')
    expect(await (await fetch(gw.url('/?read'), { headers: { cookie } })).text()).toBe('3')
    // emptied: every cookie expires
    const cleared = await fetch(gw.url('/?clear'), { headers: { cookie } })
    expect(cleared.headers.getSetCookie()).toHaveLength(4)
    for (const header of cleared.headers.getSetCookie())
      expect(header).toMatch(/^IG(_\d)?=; .*Max-Age=0; Expires=Thu, 01 Jan 1970/)
  })

  test('a tampered, foreign or expired cookie gives a fresh empty session, never an error', async () => {
    const clock = manualClock()
    const gw = await startGateway({
      now: clock.now,
      plugins,
      env,
      routes: { 'count.json': counterRoute({ sessionTimeout: '1 second' }) },
    })
    const first = await fetch(gw.url('/'))
    const cookie = cookiesOf(first)[0]!
    const value = cookie.slice('IG='.length)
    const parts = value.split('.')
    const flipped = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`
    const tampered = [...parts.slice(0, 3), flipped, parts[4]].join('.')
    const r1 = await fetch(gw.url('/'), { headers: { cookie: `IG=${tampered}` } })
    expect(r1.status).toBe(200)
    expect(await r1.text()).toBe('1')
    const r2 = await fetch(gw.url('/'), { headers: { cookie: 'IG=not-a-jwt' } })
    expect(await r2.text()).toBe('1')
    // a session made with another key (a default, per-process key of another manager config)
    const other = await startGateway({
      plugins,
      routes: {
        'count.json': {
          ...counterRoute(),
          heap: [],
          session: {
            type: 'JwtSessionManager',
            config: { cookie: { name: 'IG' }, encryptionMethod: 'A256CBC-HS512' },
          },
        },
      },
    })
    const foreign = cookiesOf(await fetch(other.url('/')))[0]!
    expect(await (await fetch(gw.url('/'), { headers: { cookie: foreign } })).text()).toBe('1')
    // expired
    clock.advance(2100)
    expect(await (await fetch(gw.url('/'), { headers: { cookie } })).text()).toBe('1')
    expect(gw.logs.some((l) => String(l.msg).startsWith('JWT session cookie refused'))).toBe(true)
  })

  test('persistentCookie, cookie attributes, compression and the config.json default', async () => {
    const gw = await startGateway({
      plugins,
      env,
      configJson: {
        handler: '_router',
        heap: [{ name: '_router', type: 'Router' }],
        session: { type: 'JwtSessionManager' },
      },
      routes: { 'count.json': { ...counterRoute(), heap: [], session: undefined } },
    })
    const plain = await fetch(gw.url('/'))
    expect(plain.headers.getSetCookie()[0]).toMatch(
      /^openig-jwt-session=[^;]+; HttpOnly; SameSite=Lax$/,
    )
    const custom = await startGateway({
      plugins,
      env,
      routes: {
        'count.json': counterRoute({
          persistentCookie: true,
          sessionTimeout: '2 hours',
          useCompression: true,
          cookie: { name: 'S', path: '/app', secure: true, sameSite: 'strict', httpOnly: false },
        }),
      },
    })
    const response = await fetch(custom.url('/?big=' + 'y'.repeat(6000)))
    const [header, ...rest] = response.headers.getSetCookie()
    expect(rest).toEqual([]) // compressed, it fits in one cookie
    expect(header).toMatch(
      /^S=[^;]+; Path=\/app; Max-Age=7200; Expires=[^;]+GMT; Secure; SameSite=Strict$/,
    )
    const cookie = header!.split(';')[0]!
    expect(await (await fetch(custom.url('/?read'), { headers: { cookie } })).text()).toBe('1')
  })

  test('a missing key, a wrong key size or IG 7 properties are configuration errors naming the pointer', async () => {
    const gw = await startGateway({
      plugins,
      env,
      routes: {
        'size.json': counterRoute({ encryptionMethod: 'A256GCM' }),
        'legacy.json': {
          handler: { type: 'StaticResponseHandler', config: { status: 200 } },
          session: { type: 'JwtSession', config: { sharedSecret: 'abc' } },
        },
      },
    })
    const errors = JSON.stringify(gw.logs.filter((l) => l.msg === 'route not loaded'))
    expect(errors).toContain('/session/config/authenticatedEncryptionSecretId')
    expect(errors).toContain('A256GCM with dir needs a 256-bit key, the key has 512 bits')
    expect(errors).toContain('/session/config/sharedSecret')
  })
})
