import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { describe, expect, onTestFinished, test } from 'vitest'
import { Browser } from './browser.js'
import { startBackend } from './backend.js'

interface Seen {
  host: string
  method: string
  url: string
  cookie: string
  origin: string | undefined
  contentType: string | undefined
  headers: IncomingMessage['headers']
  body: string
}

/**
 * A real server on 127.0.0.1 reached as `http://<name>:<port>`; it records what it receives and
 * `answer` writes the response.
 */
async function site(
  name: string,
  answer: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void,
) {
  const seen: Seen[] = []
  const backend = await startBackend((req, res) => {
    void text(req).then((body) => {
      const entry = {
        host: req.headers.host ?? '',
        method: req.method ?? '',
        url: req.url ?? '',
        cookie: req.headers.cookie ?? '',
        origin: req.headers.origin,
        contentType: req.headers['content-type'],
        headers: req.headers,
        body,
      }
      seen.push(entry)
      answer(req, res, entry)
    })
  })
  return { seen, url: (path = '/') => `http://${name}:${backend.port}${path}` }
}

const redirect = (res: ServerResponse, location: string, status = 302) =>
  res.writeHead(status, { location }).end()

/** Answers with the method and the Cookie header it got: `GET lax=1; none=1`. */
const echo = (_req: IncomingMessage, res: ServerResponse, seen: Seen) =>
  res.end(`${seen.method} ${seen.cookie}`)

describe('redirects', () => {
  test('follows a login round trip app.localhost → idp.localhost → app.localhost and records the chain', async () => {
    const idp = await site('idp.localhost', (req, res) => {
      const back = new URL(req.url!, 'http://idp').searchParams.get('redirect_uri')!
      redirect(res, `${back}?code=abc`)
    })
    const app = await site('app.localhost', (req, res) => {
      if (req.url === '/protected')
        return redirect(
          res,
          idp.url(`/authorize?redirect_uri=${encodeURIComponent(app.url('/callback'))}`),
        )
      if (req.url === '/callback?code=abc') return redirect(res, '/home', 303) // relative
      res.end('welcome home')
    })
    const page = await new Browser().get(app.url('/protected'))
    expect(page.status).toBe(200)
    expect(page.body).toBe('welcome home')
    expect(page.url).toBe(app.url('/home'))
    expect(page.chain).toEqual([
      { method: 'GET', url: app.url('/protected'), status: 302 },
      {
        method: 'GET',
        url: idp.url(`/authorize?redirect_uri=${encodeURIComponent(app.url('/callback'))}`),
        status: 302,
      },
      { method: 'GET', url: app.url('/callback?code=abc'), status: 303 },
      { method: 'GET', url: app.url('/home'), status: 200 },
    ])
    // each server saw its own host name: *.localhost resolved to 127.0.0.1 by the browser
    expect(app.seen.map((s) => s.host)).toEqual(Array(3).fill(new URL(app.url()).host))
    expect(idp.seen.map((s) => s.host)).toEqual([new URL(idp.url()).host])
  })

  test('303, and 301 or 302 after POST, become a GET without body; 307 and 308 keep method and body', async () => {
    const app = await site('app.localhost', (req, res, seen) => {
      const status = Number(req.url!.slice(1))
      if (status >= 300) return redirect(res, '/200', status)
      res.end(`${seen.method} ${seen.contentType ?? '-'} ${seen.body}`)
    })
    const browser = new Browser()
    for (const status of [301, 302, 303]) {
      const page = await browser.post(app.url(`/${status}`), { a: '1' })
      expect(page.chain.map((h) => `${h.method} ${h.status}`)).toEqual([
        `POST ${status}`,
        'GET 200',
      ])
      expect(page.body).toBe('GET - ')
    }
    for (const status of [307, 308]) {
      const page = await browser.post(app.url(`/${status}`), { a: '1', b: ['x y', 'z'] })
      expect(page.chain.map((h) => `${h.method} ${h.status}`)).toEqual([
        `POST ${status}`,
        'POST 200',
      ])
      expect(page.body).toBe('POST application/x-www-form-urlencoded a=1&b=x+y&b=z')
    }
    const put = await browser.fetch(app.url('/303'), { method: 'PUT', body: 'doc' })
    expect(put.chain.map((h) => `${h.method} ${h.status}`)).toEqual(['PUT 303', 'GET 200'])
    const manual = await browser.get(app.url('/302'), { redirect: 'manual' })
    expect([manual.status, manual.headers.get('location'), manual.chain.length]).toEqual([
      302,
      '/200',
      1,
    ])
  })

  test('stops at maxRedirects with the chain in the error; a custom-scheme Location ends the navigation', async () => {
    const app = await site('app.localhost', (req, res) => {
      if (req.url === '/native') return redirect(res, 'com.example.app:/callback?code=abc')
      redirect(res, `/loop${Number(req.url!.slice(5) || 0) + 1}`)
    })
    const browser = new Browser({ maxRedirects: 3 })
    await expect(browser.get(app.url('/loop0'))).rejects.toThrow(
      `more than 3 redirects:\n302 GET ${app.url('/loop0')}\n302 GET ${app.url('/loop1')}`,
    )
    const native = await browser.get(app.url('/native'))
    expect([native.status, native.headers.get('location')]).toEqual([
      302,
      'com.example.app:/callback?code=abc',
    ])
  })
})

test('requests carry Origin, Referer and Sec-Fetch-Site as a browser sends them; Authorization stays on its origin', async () => {
  const idp = await site('idp.localhost', (req, res) =>
    req.url === '/h' ? redirect(res, app.url('/h'), 307) : res.end(),
  )
  const app = await site('app.localhost', (req, res) =>
    req.url === '/form-target' ? redirect(res, idp.url('/h'), 307) : res.end('done'),
  )
  const page = await new Browser().post(
    app.url('/form-target'),
    { a: '1' },
    { initiator: app.url('/page#top'), headers: { authorization: 'Bearer t' } },
  )
  expect(page.chain.map((h) => `${h.method} ${h.status}`)).toEqual([
    'POST 307',
    'POST 307',
    'POST 200',
  ])
  const seen = [app.seen[0]!, idp.seen[0]!, app.seen[1]!].map(({ headers, body }) => [
    headers.origin,
    headers.referer,
    headers['sec-fetch-site'],
    headers.authorization,
    body,
  ])
  const appOrigin = new URL(app.url()).origin
  expect(seen).toEqual([
    [appOrigin, app.url('/page'), 'same-origin', 'Bearer t', 'a=1'],
    // the first cross-origin redirect keeps the Origin; the one after it makes it "null"
    [appOrigin, `${appOrigin}/`, 'cross-site', undefined, 'a=1'],
    ['null', app.url('/page'), 'cross-site', undefined, 'a=1'],
  ])
})

test('a host that does not answer fails with the method and URL', async () => {
  const { port, close } = await startBackend(() => {})
  await close()
  const url = `http://gone.localhost:${port}/`
  await expect(new Browser().get(url)).rejects.toThrow(
    `GET ${url} failed: connect ECONNREFUSED 127.0.0.1:${port}`,
  )
})

test('https on a *.localhost name: the ca option trusts the server, and a Secure cookie goes back over https', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'postern-browser-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
    ]
      .concat(['-subj', '/CN=idp.localhost', '-addext', 'subjectAltName=DNS:idp.localhost'])
      .concat(['-keyout', 'key.pem', '-out', 'cert.pem']),
    { cwd: dir, stdio: 'pipe' },
  )
  const cert = readFileSync(join(dir, 'cert.pem'))
  const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) =>
    req.url === '/set'
      ? res.writeHead(200, { 'set-cookie': 'sid=1; Secure; HttpOnly; SameSite=None' }).end()
      : res.end(`tls ${req.headers.cookie ?? ''}`),
  )
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => void server.close())
  const url = (path: string) =>
    `https://idp.localhost:${(server.address() as AddressInfo).port}${path}`
  await expect(new Browser().get(url('/'))).rejects.toThrow('self-signed certificate')
  const browser = new Browser({ ca: cert })
  await browser.get(url('/set'))
  expect((await browser.get(url('/'))).body).toBe('tls sid=1')
  expect(browser.cookie('sid', url('/'))).toMatchObject({ secure: true, httpOnly: true })
})

describe('cookies: domain and path', () => {
  test('a Domain cookie of a.example.localhost goes to b.example.localhost; a host-only one does not', async () => {
    const server = await site('a.example.localhost', (req, res, seen) => {
      if (req.url === '/set')
        return res
          .writeHead(200, {
            'set-cookie': ['shared=1; Domain=example.localhost; Path=/', 'mine=1; Path=/'],
          })
          .end()
      echo(req, res, seen)
    })
    const a = server.url
    const b = (path: string) => a(path).replace('a.example.localhost', 'b.example.localhost')
    const elsewhere = (path: string) => a(path).replace('a.example.localhost', 'other.localhost')
    const browser = new Browser()
    await browser.get(a('/set'))
    expect((await browser.get(a('/echo'))).body).toBe('GET shared=1; mine=1')
    expect((await browser.get(b('/echo'))).body).toBe('GET shared=1')
    expect((await browser.get(elsewhere('/echo'))).body).toBe('GET ')
    expect(browser.cookie('shared', b('/'))).toMatchObject({
      domain: 'example.localhost',
      hostOnly: false,
    })
    expect(browser.cookie('mine', a('/'))).toMatchObject({
      domain: 'a.example.localhost',
      hostOnly: true,
    })
    expect(browser.cookie('mine', b('/'))).toBeUndefined()
  })

  test('Domain=localhost (a public suffix) and a domain that is not a parent are refused', async () => {
    const server = await site('a.example.localhost', (_req, res) =>
      res
        .writeHead(200, {
          'set-cookie': ['top=1; Domain=localhost', 'sibling=1; Domain=b.example.localhost'],
        })
        .end(),
    )
    const browser = new Browser()
    await browser.get(server.url('/'))
    expect(browser.cookies()).toEqual([])
    expect(browser.refusedCookies.map((r) => r.reason)).toEqual([
      'Domain=localhost is a public suffix or not this host',
      'Domain=b.example.localhost does not domain-match a.example.localhost',
    ])
  })

  test('Path limits a cookie to its subtree; the default path is the directory of the request', async () => {
    const app = await site('app.localhost', (req, res, seen) => {
      if (req.url === '/app/login')
        return res
          .writeHead(200, { 'set-cookie': ['scoped=1; Path=/app', 'dir=1', 'root=1; Path=/'] })
          .end()
      echo(req, res, seen)
    })
    const browser = new Browser()
    await browser.get(app.url('/app/login'))
    expect(browser.cookie('dir', app.url('/app/x'))?.path).toBe('/app')
    // longer paths first, then older first
    expect((await browser.get(app.url('/app/page'))).body).toBe('GET scoped=1; dir=1; root=1')
    expect((await browser.get(app.url('/app'))).body).toBe('GET scoped=1; dir=1; root=1')
    expect((await browser.get(app.url('/apple'))).body).toBe('GET root=1')
    expect((await browser.get(app.url('/'))).body).toBe('GET root=1')
  })

  test('Max-Age=0 and a past Expires delete a cookie; Max-Age expires it on the browser clock', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z')
    const app = await site('app.localhost', (req, res, seen) => {
      const cookies: Record<string, string[]> = {
        '/set': [
          'a=1',
          'b=1',
          'short=1; Max-Age=60',
          'dated=1; Expires=Wed, 01 Jan 2031 00:00:00 GMT',
        ],
        '/logout': ['a=; Max-Age=0', 'b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT'],
      }
      if (cookies[req.url!]) return res.writeHead(200, { 'set-cookie': cookies[req.url!] }).end()
      echo(req, res, seen)
    })
    const browser = new Browser({ now: () => now })
    await browser.get(app.url('/set'))
    expect((await browser.get(app.url('/echo'))).body).toBe('GET a=1; b=1; short=1; dated=1')
    expect(browser.cookie('dated', app.url())?.expires).toBe(Date.parse('2031-01-01T00:00:00Z'))
    await browser.get(app.url('/logout'))
    expect((await browser.get(app.url('/echo'))).body).toBe('GET short=1; dated=1')
    now += 61_000
    expect((await browser.get(app.url('/echo'))).body).toBe('GET dated=1')
  })
})

describe('cookies: SameSite, with app.localhost and idp.localhost as two sites', () => {
  async function sites() {
    const app = await site('app.localhost', (req, res, seen) => {
      if (req.url === '/set')
        return res
          .writeHead(200, {
            'set-cookie': [
              'lax=1; SameSite=Lax',
              'strict=1; SameSite=Strict',
              'none=1; SameSite=None; Secure',
              'default=1',
            ],
          })
          .end()
      if (req.url === '/bounce') return redirect(res, '/echo')
      if (req.url === '/form')
        return res.end(`<form method="post" action="/echo"><input name="x" value="1"></form>`)
      echo(req, res, seen)
    })
    const idp = await site('idp.localhost', (req, res) => {
      if (req.url === '/form_post')
        // an OAuth 2.0 response_mode=form_post page, as an authorization server sends it
        return res.writeHead(200, { 'content-type': 'text/html' }).end(
          `<html><body onload="javascript:document.forms[0].submit()">
            <form method="post" action="${app.url('/echo')}">
              <input type="hidden" name="code" value="abc"/><input type="hidden" name="state" value="s&amp;1"/>
              <noscript><button type="submit">Continue</button></noscript>
            </form></body></html>`,
        )
      if (req.url === '/back') return redirect(res, app.url('/bounce'))
      res.end('idp page')
    })
    const browser = new Browser()
    await browser.get(app.url('/set'))
    return { app, idp, browser }
  }

  test('a same-site request carries every cookie', async () => {
    const { app, browser } = await sites()
    expect((await browser.get(app.url('/echo'))).body).toBe(
      'GET lax=1; strict=1; none=1; default=1',
    )
    const form = await browser.get(app.url('/form'))
    expect((await browser.submitForm(form)).body).toBe('POST lax=1; strict=1; none=1; default=1')
  })

  test('an auto-submitted cross-site POST (form_post from idp.localhost) carries only SameSite=None', async () => {
    const { app, idp, browser } = await sites()
    const formPost = await browser.get(idp.url('/form_post'))
    expect(formPost.autoSubmitForm).toMatchObject({
      method: 'POST',
      action: app.url('/echo'),
      values: { code: 'abc', state: 's&1' },
    })
    const landed = await browser.followAutoSubmit(formPost)
    expect(landed.body).toBe('POST none=1')
    expect(app.seen.at(-1)).toMatchObject({
      body: 'code=abc&state=s%261',
      origin: new URL(idp.url()).origin,
    })
    // the same with autoSubmit on: one navigation, its chain across both hosts
    const auto = await browser.get(idp.url('/form_post'), { autoSubmit: true })
    expect(auto.body).toBe('POST none=1')
    expect(auto.chain).toEqual([
      { method: 'GET', url: idp.url('/form_post'), status: 200 },
      { method: 'POST', url: app.url('/echo'), status: 200 },
    ])
  })

  test('a cross-site top-level GET carries Lax (and default) cookies, not Strict ones', async () => {
    const { app, idp, browser } = await sites()
    const link = await browser.get(app.url('/echo'), { initiator: idp.url('/page') })
    expect(link.body).toBe('GET lax=1; none=1; default=1')
    // a redirect chain that started cross-site stays cross-site, even on its same-site hops
    const chain = await browser.get(app.url('/bounce'), { initiator: idp.url('/page') })
    expect(chain.body).toBe('GET lax=1; none=1; default=1')
    // and so does one that went through another site: app → idp → app, started on app
    const roundTrip = await browser.get(idp.url('/back'), { initiator: app.url('/page') })
    expect(roundTrip.chain.map((h) => h.url)).toEqual([
      idp.url('/back'),
      app.url('/bounce'),
      app.url('/echo'),
    ])
    expect(roundTrip.body).toBe('GET lax=1; none=1; default=1')
    // a script's cross-site fetch is not a navigation: Lax cookies stay home
    const script = await browser.get(app.url('/echo'), {
      initiator: idp.url('/page'),
      navigation: false,
    })
    expect(script.body).toBe('GET none=1')
  })

  test('SameSite=None without Secure is refused, as Chrome does; the attribute defaults to Lax', async () => {
    const app = await site('app.localhost', (_req, res) =>
      res.writeHead(200, { 'set-cookie': ['insecure=1; SameSite=None', 'plain=1'] }).end(),
    )
    const browser = new Browser()
    await browser.get(app.url('/'))
    expect(browser.refusedCookies).toEqual([
      {
        url: app.url('/'),
        setCookie: 'insecure=1; SameSite=None',
        reason: 'SameSite=None without Secure',
      },
    ])
    expect(browser.cookie('plain', app.url())?.sameSite).toBe('Lax')
  })
})

describe('forms', () => {
  test('submitForm posts hidden and default values merged with the given ones, from the page URL', async () => {
    const idp = await site('idp.localhost', (req, res, seen) => {
      if (req.method === 'GET' && req.url === '/login')
        return res.end(`<!doctype html><form id="login" method="post" action="authenticate?x=1">
          <input type="hidden" name="goto" value="/consent">
          <input name="username"><input type="password" name="password">
          <select name="realm"><option>alpha<option>bravo</select>
          <input type="checkbox" name="remember" value="yes">
          <button name="action" value="login">Sign in</button>
          <button name="action" value="cancel">Cancel</button>
        </form>`)
      res.end(`${seen.method} ${seen.url} ${seen.body}`)
    })
    const browser = new Browser()
    const login = await browser.get(idp.url('/login'))
    expect(login.form().fields).toEqual([
      ['goto', '/consent'],
      ['username', ''],
      ['password', ''],
      ['realm', 'alpha'],
    ])
    const done = await browser.submitForm(login, {
      selector: '#login',
      values: { username: 'demo', password: 'Ch4ng3 it!', remember: 'yes' },
      submitter: 'button[value=login]',
    })
    expect(done.body).toBe(
      'POST /authenticate?x=1 goto=%2Fconsent&username=demo&password=Ch4ng3+it%21&realm=alpha&action=login&remember=yes',
    )
    expect(idp.seen.at(-1)?.origin).toBe(new URL(idp.url()).origin)
  })

  test('a GET form puts its fields in the query; multipart forms are sent as multipart', async () => {
    const app = await site('app.localhost', (req, res, seen) => {
      if (req.url === '/search')
        return res.end(`<form action="/results?old=1"><input name="q" value="a b"></form>
          <form method="post" enctype="multipart/form-data" action="/upload"><input name="n" value="v"></form>`)
      res.end(
        `${seen.method} ${seen.url} ${seen.contentType?.split(';')[0]} ${seen.body.includes('name="n"\r\n\r\nv')}`,
      )
    })
    const browser = new Browser()
    const page = await browser.get(app.url('/search'))
    expect((await browser.submitForm(page, { index: 0 })).body).toBe(
      'GET /results?q=a+b undefined false',
    )
    expect((await browser.submitForm(page, { index: 1 })).body).toBe(
      'POST /upload multipart/form-data true',
    )
  })
})
