import { generateKeyPairSync, createHash, X509Certificate } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '@postern/http'
import secrets from '@postern/secrets'
import filters from '../src/index.js'

const plugins = [http, filters, secrets]

/** Follows nothing; keeps the cookies a browser would send back (name=value only). */
class Browser {
  readonly jar = new Map<string, string>()
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    })
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const expired = attributes.some((a) => /max-age=0/i.test(a.trim()))
      if (expired) this.jar.delete(name)
      else this.jar.set(name, pair!.slice(eq + 1))
    }
    return response
  }
}

describe('HttpBasicAuthenticationClientFilter', () => {
  test('the reference example: a client chain adds the credentials of password.secret.id', async () => {
    const seen: (string | undefined)[] = []
    const protectedResource = await startBackend((req, res) => {
      seen.push(req.headers.authorization)
      const expected = `Basic ${Buffer.from('myclient:password').toString('base64')}`
      if (!req.headers.authorization) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="IG Protected Area"' }).end()
      } else if (req.headers.authorization !== expected) res.writeHead(403).end()
      else res.end('<html><body><h2>Access Granted</h2></body></html>')
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'http-basic-access.json': {
          name: 'http-basic-access',
          baseURI: protectedResource.url,
          condition: "${find(request.uri.path, '^/http-basic-access')}",
          heap: [
            {
              name: 'httpBasicAuthEnabledClientHandler',
              type: 'Chain',
              capture: 'all',
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
          handler: 'httpBasicAuthEnabledClientHandler',
        },
        'encoded.json': {
          baseURI: protectedResource.url,
          condition: "${find(request.uri.path, '^/encoded')}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HttpBasicAuthenticationClientFilter',
                  config: {
                    username: 'my client:1',
                    passwordSecretId: 'password.secret.id',
                    urlEncodeCredentials: true,
                    secretsProvider: {
                      type: 'Base64EncodedSecretStore',
                      config: {
                        secrets: {
                          'password.secret.id': Buffer.from('p@ss word').toString('base64'),
                        },
                      },
                    },
                  },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
      },
    })
    const granted = await fetch(gw.url('/http-basic-access'))
    expect(await granted.text()).toContain('Access Granted')
    expect((await fetch(gw.url('/encoded'))).status).toBe(403)
    expect(seen.at(-1)).toBe(`Basic ${Buffer.from('my+client%3A1:p%40ss+word').toString('base64')}`)
    expect(JSON.stringify(gw.logs)).not.toContain('cGFzc3dvcmQ=')
  })

  test('a missing secret is a 500 with the secret ID logged, never the request sent without credentials', async () => {
    const backend = await startBackend((_req, res) => res.end('reached'))
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': {
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HttpBasicAuthenticationClientFilter',
                  config: {
                    username: 'myclient',
                    passwordSecretId: 'absent.secret.id',
                    secretsProvider: { type: 'Base64EncodedSecretStore', config: { secrets: {} } },
                  },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
      },
    })
    expect((await fetch(gw.url('/'))).status).toBe(500)
    expect(gw.logs.some((l) => l.msg === 'no client password')).toBe(true)
  })
})

describe('CertificateThumbprintFilter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'postern-thumbprint-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const keyFile = join(dir, 'key.pem')
  execFileSync('sh', ['-c', `cat > ${keyFile}`], {
    input: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  })
  execFileSync('openssl', [
    'req',
    '-new',
    '-x509',
    '-key',
    keyFile,
    '-subj',
    '/CN=client',
    '-days',
    '1',
    '-out',
    join(dir, 'cert.pem'),
  ])
  const pem = readFileSync(join(dir, 'cert.pem'), 'utf8')
  const thumbprint = createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url')

  const route = (certificate: string) => ({
    handler: {
      type: 'Chain',
      config: {
        filters: [{ type: 'CertificateThumbprintFilter', config: { certificate } }],
        handler: {
          type: 'StaticResponseHandler',
          config: { status: 200, entity: '${contexts.certificateThumbprint.thumbprint}' },
        },
      },
    },
  })

  test('from an NGINX trusted header (PEM, URL-encoded), and from an Envoy x-forwarded-client-cert', async () => {
    const nginx = await startGateway({
      plugins,
      routes: { 'n.json': route("${pemCertificate(urlDecode(request.headers['x-ssl-cert'][0]))}") },
    })
    const answer = await fetch(nginx.url('/'), {
      headers: { 'x-ssl-cert': encodeURIComponent(pem) },
    })
    expect(await answer.text()).toBe(thumbprint)
    // no header, or not a certificate: 403
    expect((await fetch(nginx.url('/'))).status).toBe(403)
    expect((await fetch(nginx.url('/'), { headers: { 'x-ssl-cert': 'garbage' } })).status).toBe(403)
    const envoy = await startGateway({
      plugins,
      routes: {
        'e.json': route(
          "${pemCertificate(urlDecode(findGroups(request.headers['x-forwarded-client-cert'][0], 'Cert=([^;]+);?')[1]))}",
        ),
      },
    })
    const xfcc = `Hash=abc;Cert=${encodeURIComponent(pem)};Subject="CN=client"`
    const e = await fetch(envoy.url('/'), { headers: { 'x-forwarded-client-cert': xfcc } })
    expect(await e.text()).toBe(thumbprint)
  })

  test('a failureHandler answers when there is no certificate (no TLS here)', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'c.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'CertificateThumbprintFilter',
                  config: {
                    certificate: '${contexts.client.certificates[0]}',
                    failureHandler: { type: 'StaticResponseHandler', config: { status: 401 } },
                  },
                },
              ],
              handler: { type: 'StaticResponseHandler', config: { status: 200 } },
            },
          },
        },
      },
    })
    expect((await fetch(gw.url('/'))).status).toBe(401)
  })
})

describe('CookieFilter', () => {
  test('managed cookies live in the session, suppressed ones are dropped, relayed ones pass', async () => {
    const seen: (string | undefined)[] = []
    const backend = await startBackend((req, res) => {
      seen.push(req.headers.cookie)
      res.setHeader('Set-Cookie', [
        'APP_SESSION=s1; Path=/',
        'AM_TOKEN=secret; Path=/',
        'THEME=dark; Path=/',
        'OTHER=x; Path=/app',
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
                  type: 'CookieFilter',
                  config: {
                    managed: ['APP_SESSION'],
                    suppressed: ['AM_TOKEN'],
                    relayed: ['THEME'],
                    defaultAction: 'MANAGE',
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const browser = new Browser()
    const first = await browser.fetch(gw.url('/app/page'), {
      headers: { cookie: 'AM_TOKEN=t; THEME=light' },
    })
    // the user agent sees only the relayed cookie, and the gateway's session cookie
    const names = first.headers.getSetCookie().map((c) => c.split('=')[0])
    expect(names.sort()).toEqual(['IG_SESSIONID', 'THEME'])
    expect(seen[0]).toBe('THEME=light')
    // the next request carries the managed cookies from the session, path-matched
    await browser.fetch(gw.url('/app/page'))
    expect(seen[1]?.split('; ').sort()).toEqual(['APP_SESSION=s1', 'OTHER=x', 'THEME=dark'])
    await browser.fetch(gw.url('/elsewhere'))
    expect(seen[2]?.split('; ').sort()).toEqual(['APP_SESSION=s1', 'THEME=dark'])
    // a managed cookie the user agent sends itself is not passed on
    await browser.fetch(gw.url('/app/page'), { headers: { cookie: 'APP_SESSION=forged' } })
    expect(seen[3]).not.toContain('forged')
  })

  test('an expired managed cookie is removed from the session', async () => {
    const seen: (string | undefined)[] = []
    let expire = false
    const backend = await startBackend((req, res) => {
      seen.push(req.headers.cookie)
      res.setHeader('Set-Cookie', expire ? 'APP=gone; Max-Age=0; Path=/' : 'APP=here; Path=/')
      res.end()
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'c.json': {
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: { filters: [{ type: 'CookieFilter' }], handler: 'ReverseProxyHandler' },
          },
        },
      },
    })
    const browser = new Browser()
    await browser.fetch(gw.url('/'))
    expire = true
    await browser.fetch(gw.url('/'))
    expect(seen[1]).toBe('APP=here')
    await browser.fetch(gw.url('/'))
    expect(seen[2]).toBeUndefined()
  })
})

/** An application behind a login redirect: /login marks the session authenticated. */
function loginGuardRoute(filter: Record<string, unknown>, backendUrl: string) {
  return {
    baseURI: backendUrl,
    handler: {
      type: 'Chain',
      config: {
        filters: [
          filter,
          {
            type: 'SwitchFilter',
            config: {
              onRequest: [
                {
                  condition: "${request.uri.path == '/login'}",
                  handler: {
                    type: 'Chain',
                    config: {
                      filters: [
                        {
                          type: 'AssignmentFilter',
                          config: { onRequest: [{ target: '${session.user}', value: 'demo' }] },
                        },
                      ],
                      handler: {
                        type: 'StaticResponseHandler',
                        config: { status: 200, entity: 'logged in' },
                      },
                    },
                  },
                },
                {
                  condition: '${empty session.user}',
                  handler: {
                    type: 'StaticResponseHandler',
                    config: {
                      status: 302,
                      headers: { Location: ['/login?goto=${urlEncode(request.uri)}'] },
                    },
                  },
                },
              ],
            },
          },
        ],
        handler: 'ReverseProxyHandler',
      },
    },
  }
}

describe('DataPreservationFilter', () => {
  test('a form POST that gets a login redirect is replayed after authentication', async () => {
    const received: { method: string; url: string; type: string | undefined; body: string }[] = []
    const backend = await startBackend((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        received.push({
          method: req.method!,
          url: req.url!,
          type: req.headers['content-type'],
          body,
        })
        res.end('saved')
      })
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': loginGuardRoute(
          { type: 'DataPreservationFilter', config: { lifetime: '1 minute' } },
          backend.url,
        ),
      },
    })
    const browser = new Browser()
    const post = await browser.fetch(gw.url('/app/form?x=1'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'comment=hello+world&id=7',
    })
    expect(post.status).toBe(302)
    expect(await (await browser.fetch(gw.url('/login'))).text()).toBe('logged in')
    // back to the original URI: a page that posts to it again
    const page = await browser.fetch(gw.url('/app/form?x=1'))
    const html = await page.text()
    expect(html).toContain('Javascript is disabled in your browser')
    const action = /action="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&')
    expect(action).toMatch(/^\/app\/form\?x=1&_ig=[\w-]+$/)
    const replayed = await browser.fetch(gw.url(action), { method: 'POST', body: '' })
    expect(await replayed.text()).toBe('saved')
    expect(received).toEqual([
      {
        method: 'POST',
        url: '/app/form?x=1',
        type: 'application/x-www-form-urlencoded',
        body: 'comment=hello+world&id=7',
      },
    ])
    // replayed once only
    const again = await browser.fetch(gw.url(action), { method: 'POST', body: 'other' })
    expect(await again.text()).toBe('saved')
    expect(received[1]!.body).toBe('other')
  })

  test('a body over maxContentLength is not preserved', async () => {
    const backend = await startBackend((_req, res) => res.end('saved'))
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': loginGuardRoute(
          { type: 'DataPreservationFilter', config: { maxContentLength: 4 } },
          backend.url,
        ),
      },
    })
    const browser = new Browser()
    await browser.fetch(gw.url('/app'), { method: 'POST', body: 'too long' })
    await browser.fetch(gw.url('/login'))
    const back = await browser.fetch(gw.url('/app'))
    expect(await back.text()).toBe('saved')
  })
})

describe('FragmentFilter', () => {
  test('the fragment is kept across the login redirect and restored after authentication', async () => {
    const backend = await startBackend((req, res) => res.end(`app ${req.url}`))
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': loginGuardRoute(
          {
            type: 'FragmentFilter',
            config: {
              fragmentCaptureEndpoint: '/home/fragment-capture',
              noJavaScriptMessage: 'Enable JavaScript <please>',
            },
          },
          backend.url,
        ),
      },
    })
    const browser = new Browser()
    const capture = await browser.fetch(gw.url('/docs/page?v=2'))
    expect(capture.status).toBe(200)
    const html = await capture.text()
    expect(html).toContain('action="/home/fragment-capture"')
    expect(html).toContain('Enable JavaScript &lt;please&gt;')
    expect(browser.jar.has('ig-fragment-cookie')).toBe(true)
    // the page's script posts the fragment
    const posted = await browser.fetch(gw.url('/home/fragment-capture'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'fragment=section-3',
    })
    expect(posted.status).toBe(302)
    // the login redirect of the application (the URI there is the rebased one: baseURI)
    expect(posted.headers.get('location')).toMatch(/^\/login\?goto=http.*docs%2Fpage%3Fv%3D2$/)
    await browser.fetch(gw.url('/login'))
    const back = await browser.fetch(gw.url('/docs/page?v=2'))
    expect(back.status).toBe(302)
    // to the URI the browser asked for, not the application's (baseURI)
    expect(back.headers.get('location')).toBe(`${gw.url('/docs/page?v=2')}#section-3`)
    expect(browser.jar.has('ig-fragment-cookie')).toBe(false)
    expect(await (await browser.fetch(gw.url('/docs/page?v=2'))).text()).toBe('app /docs/page?v=2')
  })

  test('a forged capture cookie or a post without a capture in progress is refused', async () => {
    const backend = await startBackend((_req, res) => res.end('app'))
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': loginGuardRoute(
          { type: 'FragmentFilter', config: { fragmentCaptureEndpoint: '/capture' } },
          backend.url,
        ),
      },
    })
    const forged = Buffer.from(
      JSON.stringify({ state: 'pending', uri: 'x', location: 'https://evil.example.com/' }),
    ).toString('base64url')
    const r = await fetch(gw.url('/capture'), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: `ig-fragment-cookie=${forged}.AAAA`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'fragment=a',
    })
    expect(r.status).toBe(400)
  })
})

/** A route whose chain is one PasswordReplayFilter with this config, then `handler`. */
const replayRoute = (
  config: Record<string, unknown>,
  handler: unknown = 'ReverseProxyHandler',
  baseURI?: string,
) => ({
  ...(baseURI === undefined ? {} : { baseURI }),
  handler: {
    type: 'Chain',
    config: { filters: [{ type: 'PasswordReplayFilter', config }], handler },
  },
})

/** A backend that reads each request's body before `answer` is called with it. */
const startFormBackend = (
  answer: (req: IncomingMessage, body: string, res: ServerResponse) => void,
) =>
  startBackend((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => answer(req, body, res))
  })

describe('PasswordReplayFilter', () => {
  test('the reference example: credentials replayed when the request is for /login', async () => {
    const logins: { method: string; body: string }[] = []
    const app = await startFormBackend((req, body, res) => {
      if (req.url === '/login') logins.push({ method: req.method!, body })
      res.end(
        req.url === '/login' && req.method === 'POST' ? 'welcome MY_USERNAME' : `page ${req.url}`,
      )
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': replayRoute(
          {
            loginPage: "${request.uri.path == '/login'}",
            request: {
              method: 'POST',
              uri: `${app.url}/login`,
              form: { username: ['MY_USERNAME'], password: ['MY_PASSWORD'] },
            },
          },
          'ReverseProxyHandler',
          app.url,
        ),
      },
    })
    expect(await (await fetch(gw.url('/login'))).text()).toBe('welcome MY_USERNAME')
    expect(logins).toEqual([{ method: 'POST', body: 'username=MY_USERNAME&password=MY_PASSWORD' }])
    expect(await (await fetch(gw.url('/other'))).text()).toBe('page /other')
  })

  test('loginPageContentMarker, loginPageExtractions and a credentials filter', async () => {
    const posts: string[] = []
    const app = await startFormBackend((req, body, res) => {
      if (req.method === 'POST') {
        posts.push(body)
        res.end('signed in')
      } else if (req.url === '/private') {
        res.setHeader('Content-Type', 'text/html')
        res.end("<form id='login'><input name='nonce' value='n-0S6_WzA2Mj'></form>")
      } else res.end('public page')
    })
    const gw = await startGateway({
      plugins,
      files: { 'users.csv': 'user,password\nbjensen,hifalutin\n' },
      routes: {
        'r.json': replayRoute(
          {
            loginPageContentMarker: "id='login'",
            loginPageExtractions: [{ name: 'nonce', pattern: " value='(.*)'" }],
            credentials: {
              type: 'FileAttributesFilter',
              config: {
                file: '${openig.instanceDirectory}/users.csv',
                key: 'user',
                fields: ['user', 'password'],
                value: 'bjensen',
                target: '${attributes.credentials}',
              },
            },
            request: {
              method: 'POST',
              uri: `${app.url}/login`,
              form: {
                username: ['${attributes.credentials.user}'],
                password: ['${attributes.credentials.password}'],
                nonce: ['${attributes.extracted.nonce}'],
              },
            },
          },
          'ReverseProxyHandler',
          app.url,
        ),
      },
    })
    expect(await (await fetch(gw.url('/public'))).text()).toBe('public page')
    expect(posts).toEqual([])
    expect(await (await fetch(gw.url('/private'))).text()).toBe('signed in')
    expect(posts).toEqual(['username=bjensen&password=hifalutin&nonce=n-0S6_WzA2Mj'])
  })

  test('neither loginPage nor loginPageContentMarker, or headerDecryption, are configuration errors', async () => {
    const ok = { type: 'StaticResponseHandler', config: { status: 200 } }
    const gw = await startGateway({
      plugins,
      routes: {
        'none.json': replayRoute({ request: { method: 'GET', uri: 'http://x/' } }, ok),
        'decrypt.json': replayRoute(
          {
            loginPage: '${true}',
            headerDecryption: { algorithm: 'DES/ECB/NoPadding', headers: ['password'] },
            request: { method: 'GET', uri: 'http://x/' },
          },
          ok,
        ),
      },
    })
    const errors = JSON.stringify(gw.logs.filter((l) => l.msg === 'route not loaded'))
    expect(errors).toContain('loginPage or loginPageContentMarker is required')
    expect(errors).toContain('/headerDecryption')
  })
})
