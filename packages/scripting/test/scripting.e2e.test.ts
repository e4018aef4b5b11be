import { writeFileSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import http from '@postern/http'
import filters from '@postern/filters'
import secrets from '@postern/secrets'
import { startBackend, startGateway, until } from '@postern/testing'
import scripting from '../src/index.js'

const plugins = [http, filters, secrets, scripting]
const js = 'application/javascript'

describe('ScriptableHandler', () => {
  test('inline source and args of every JSON kind (the reference args example)', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'teapot.json': {
          handler: {
            type: 'ScriptableHandler',
            config: {
              type: js,
              args: {
                title: 'Coffee time',
                status: 418,
                reason: ['Not Acceptable', "I'm a teapot", 'Acceptable'],
                names: { 1: 'koffie', 2: 'kafe', 3: 'cafe', 4: 'kafo' },
                home: '${openig.instanceDirectory}',
              },
              // Groovy: response.status = Status.valueOf(418, reason[1])
              source: [
                'const response = new Response(Status.OK)',
                'response.status = Status.valueOf(status, reason[1])',
                "response.entity.setString(`${title}: ${names['3']}`)",
                "response.headers.set('X-Home', String(home === openig.instanceDirectory))",
                'return response',
              ],
            },
          },
        },
      },
    })
    const response = await fetch(gw.url('/'))
    expect(response.status).toBe(418)
    expect(response.statusText).toBe("I'm a teapot")
    expect(await response.text()).toBe('Coffee time: cafe')
    expect(response.headers.get('x-home')).toBe('true')
  })

  test('the secrets example: a script reads a password from a SecretsProvider in args', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'secrets.json': {
          name: 'SecretsApiExample',
          condition: "${find(request.uri.path, '/secrets')}",
          heap: [
            {
              type: 'SecretsProvider',
              name: 'LocalSecretsProvider',
              config: {
                stores: [
                  {
                    name: 'SecretsPasswords',
                    type: 'Base64EncodedSecretStore',
                    config: { secrets: { 'secret.password': 'cGFzc3dvcmQ=' } },
                  },
                ],
              },
            },
          ],
          handler: {
            name: 'AccessPasswordAsGenericSecret',
            type: 'ScriptableHandler',
            config: {
              type: js,
              args: { mySecretsProvider: "${heap['LocalSecretsProvider']}" },
              source: [
                "const password = await mySecretsProvider.getActive('secret.password', 'GenericSecret')",
                "return new Response({ status: 200, entity: 'Secret password: ' + password.revealAsUtf8() })",
              ],
            },
          },
        },
      },
    })
    expect(await (await fetch(gw.url('/secrets'))).text()).toBe('Secret password: password')
  })

  test('the HttpBasicAuthenticationClientFilter example: a handler calls http with a client chain, a filter checks Basic credentials', async () => {
    const accessRoute = (gateway: string) => ({
      name: 'http-basic-access',
      baseURI: gateway,
      condition: "${find(request.uri.path, '^/http-basic-access')}",
      heap: [
        {
          name: 'httpBasicAuthEnabledClientHandler',
          type: 'Chain',
          config: {
            filters: [
              {
                type: 'HttpBasicAuthenticationClientFilter',
                config: {
                  username: 'myclient',
                  passwordSecretId: 'password.secret.id',
                  secretsProvider: {
                    type: 'Base64EncodedSecretStore',
                    config: { secrets: { 'password.secret.id': 'cGFzc3dvcmQ=' } },
                  },
                },
              },
            ],
            handler: 'ForgeRockClientHandler',
          },
        },
      ],
      handler: {
        type: 'ScriptableHandler',
        config: {
          type: js,
          clientHandler: 'httpBasicAuthEnabledClientHandler',
          // Groovy: request.uri.path = '/http-basic-protected-resource'; return http.send(context, request)
          source: [
            "request.uri.path = '/http-basic-protected-resource'",
            'return http.send(context, request)',
          ],
        },
      },
    })
    const gw = await startGateway({
      plugins,
      files: {
        // BasicAuthResourceServerFilter.groovy of the reference, in JavaScript
        'scripts/js/BasicAuthResourceServerFilter.js': `
const authorizationHeader = request.headers.get('Authorization')
if (authorizationHeader === undefined) {
  // No credentials provided, return 401 Unauthorized
  const response = new Response(Status.UNAUTHORIZED)
  response.headers.set('WWW-Authenticate', 'Basic realm="' + realm + '"')
  return response
}
const password = await secretsProvider.getActive(passwordSecretId, 'GenericSecret')
const expected = 'Basic ' + Buffer.from(username + ':' + password.revealAsUtf8().trim()).toString('base64')
// Incorrect credentials provided, return 403 forbidden
if (expected !== authorizationHeader) return new Response(Status.FORBIDDEN)
// Correct credentials provided, continue.
return next.handle(context, request)
`,
      },
      routes: {
        'http-basic-protected-resource.json': {
          heap: [
            {
              name: 'mySecretsProvider',
              type: 'Base64EncodedSecretStore',
              config: { secrets: { 'password.secret.id': 'cGFzc3dvcmQ=' } },
            },
          ],
          name: 'http-basic-protected-resource',
          condition: "${find(request.uri.path, '^/http-basic-protected-resource')}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  name: 'HttpBasicAuthResourceServerFilter',
                  type: 'ScriptableFilter',
                  config: {
                    type: js,
                    file: 'BasicAuthResourceServerFilter.js',
                    args: {
                      realm: 'IG Protected Area',
                      username: 'myclient',
                      passwordSecretId: 'password.secret.id',
                      secretsProvider: "${heap['mySecretsProvider']}",
                    },
                  },
                },
              ],
              handler: {
                type: 'StaticResponseHandler',
                config: {
                  status: 200,
                  headers: { 'Content-Type': ['text/html; charset=UTF-8'] },
                  entity: '<html><body><h2>Access Granted</h2></body></html>',
                },
              },
            },
          },
        },
      },
    })
    // the access route calls the gateway itself: its baseURI is the gateway's own address
    gw.writeRoute('http-basic-access.json', accessRoute(gw.url('').replace(/\/$/, '')))
    await gw.gateway.heap.get<{ scan(): Promise<void> }>('_router').then((r) => r.scan())
    const granted = await fetch(gw.url('/http-basic-access'))
    expect(await granted.text()).toContain('Access Granted')
    const direct = await fetch(gw.url('/http-basic-protected-resource'))
    expect(direct.status).toBe(401)
    expect(direct.headers.get('www-authenticate')).toBe('Basic realm="IG Protected Area"')
    const wrong = await fetch(gw.url('/http-basic-protected-resource'), {
      headers: { authorization: `Basic ${btoa('myclient:nope')}` },
    })
    expect(wrong.status).toBe(403)
  })
})

describe('ScriptableFilter', () => {
  test('a file script changes the response after next; a changed file is used after a second', async () => {
    const backend = await startBackend((_req, res) => res.end('app'))
    const gw = await startGateway({
      plugins,
      files: {
        'scripts/js/add-header.js':
          "const response = await next.handle(context, request)\nresponse.headers.set('X-Script', 'v1 ' + (globals.get('n') ?? 0))\nglobals.set('n', (globals.get('n') ?? 0) + 1)\nreturn response",
      },
      routes: {
        'f.json': {
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [{ type: 'ScriptableFilter', config: { type: js, file: 'add-header.js' } }],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const first = await fetch(gw.url('/'))
    expect(await first.text()).toBe('app')
    expect(first.headers.get('x-script')).toBe('v1 0')
    expect((await fetch(gw.url('/'))).headers.get('x-script')).toBe('v1 1') // globals persist
    const file = join(gw.dir, 'scripts/js/add-header.js')
    writeFileSync(
      file,
      "const response = await next.handle(context, request)\nresponse.headers.set('X-Script', 'v2')\nreturn response",
    )
    const later = new Date(Date.now() + 5000)
    utimesSync(file, later, later)
    // the file is checked at most once a second
    await until(async () => expect((await fetch(gw.url('/'))).headers.get('x-script')).toBe('v2'), {
      message: 'the edited script to be reloaded',
    })
  })

  test("session, attributes and contexts are the request's", async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        's.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ScriptableFilter',
                  config: {
                    type: js,
                    source:
                      "session.set('visits', (session.get('visits') ?? 0) + 1)\nattributes.client = contexts.client.remoteAddress\nreturn next.handle(context, request)",
                  },
                },
              ],
              handler: {
                type: 'StaticResponseHandler',
                config: { status: 200, entity: '${session.visits} ${attributes.client}' },
              },
            },
          },
        },
      },
    })
    const first = await fetch(gw.url('/'))
    expect(await first.text()).toBe('1 127.0.0.1')
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!
    expect(await (await fetch(gw.url('/'), { headers: { cookie } })).text()).toBe('2 127.0.0.1')
  })
})

describe('ScriptableThrottlingPolicy', () => {
  test('the script picks the rate from args', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        't.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ThrottlingFilter',
                  config: {
                    requestGroupingPolicy: "${request.headers['X-Plan'][0]}",
                    throttlingRatePolicy: {
                      type: 'ScriptableThrottlingPolicy',
                      config: {
                        type: js,
                        args: { status: 'gold', rate: 2, duration: '10 seconds' },
                        // Groovy: if (attributes.rate.status == status) return new ThrottlingRate(rate, duration)
                        source:
                          "if (request.headers.get('X-Plan') === status) return new ThrottlingRate(rate, duration)\nreturn null",
                      },
                    },
                  },
                },
              ],
              handler: { type: 'StaticResponseHandler', config: { status: 200 } },
            },
          },
        },
      },
    })
    const gold = () => fetch(gw.url('/'), { headers: { 'X-Plan': 'gold' } })
    expect([(await gold()).status, (await gold()).status, (await gold()).status]).toEqual([
      200, 200, 429,
    ])
    const silver = () => fetch(gw.url('/'), { headers: { 'X-Plan': 'silver' } })
    expect([(await silver()).status, (await silver()).status, (await silver()).status]).toEqual([
      200, 200, 200,
    ])
  })
})

describe('script errors', () => {
  test('a script that throws or returns no response is a 500 logged with the script name', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'throws.json': {
          condition: "${request.uri.path == '/throws'}",
          handler: {
            name: 'Thrower',
            type: 'ScriptableHandler',
            config: { type: js, source: "throw new Error('boom')" },
          },
        },
        'nothing.json': {
          condition: "${request.uri.path == '/nothing'}",
          handler: { type: 'ScriptableHandler', config: { type: js, source: 'return 42' } },
        },
      },
    })
    expect((await fetch(gw.url('/throws'))).status).toBe(500)
    expect((await fetch(gw.url('/nothing'))).status).toBe(500)
    const failed = gw.logs.find((l) => l.msg === 'script failed')
    expect(JSON.stringify(failed)).toContain('Thrower (inline)')
    expect(gw.logs.some((l) => l.msg === 'script did not return a Response')).toBe(true)
  })

  test('Groovy, a syntax error, a missing file, both file and source, and an arg named like a global are configuration errors', async () => {
    const handler = (config: Record<string, unknown>) => ({
      handler: { type: 'ScriptableHandler', config },
    })
    const gw = await startGateway({
      plugins,
      files: { 'scripts/js/broken.js': 'return (' },
      routes: {
        'groovy.json': handler({ type: 'application/x-groovy', source: 'return null' }),
        'syntax.json': handler({ type: js, file: 'broken.js' }),
        'missing.json': handler({ type: js, file: 'absent.js' }),
        'both.json': handler({ type: js, file: 'broken.js', source: 'x' }),
        'clash.json': handler({ type: js, source: 'return null', args: { request: 'x' } }),
      },
    })
    const errors = gw.logs.filter((l) => l.msg === 'route not loaded').flatMap((l) => l.errors)
    const at = (file: string, pointer: string, reason: unknown) =>
      expect.objectContaining({ source: `config/routes/${file}`, pointer, reason })
    expect(errors).toEqual(
      expect.arrayContaining([
        at(
          'groovy.json',
          '/handler/config/type',
          expect.stringContaining('Groovy scripts are not supported by Postern'),
        ),
        at(
          'syntax.json',
          '/handler/config/file',
          expect.stringMatching(/broken\.js does not compile/),
        ),
        at(
          'missing.json',
          '/handler/config/file',
          expect.stringContaining('no script file absent.js'),
        ),
        at('both.json', '/handler/config', 'exactly one of file and source is required'),
        at(
          'clash.json',
          '/handler/config/args/request',
          expect.stringContaining('reuses the name of the script global'),
        ),
      ]),
    )
  })
})
