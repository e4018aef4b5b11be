import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { Agent, request } from 'undici'
import { cleanup } from './cleanup.js'
import { CookieJar, type Cookie, type RefusedCookie } from './cookie-jar.js'
import { HtmlForms, type Form, type FormChoice, type SubmitOptions } from './html-form.js'
import { isLocalhostName, siteOf } from './site.js'

/** One request of a navigation and the status it got. */
export interface Hop {
  method: string
  url: string
  status: number
}

export interface BrowserOptions {
  /** Redirects followed in one navigation before it fails: 20, as in the Fetch standard. */
  maxRedirects?: number
  /** Submit auto-submitting forms (form_post, SAML POST binding) as a browser running them would. */
  autoSubmit?: boolean
  /** Headers sent with every request, over the defaults (`user-agent`, `accept-language`). */
  headers?: Record<string, string>
  /** The deadline of each request. */
  timeoutMs?: number
  /** The clock of cookie expiry, in ms since the epoch. */
  now?: () => number
  /** Certificates to trust for https servers, in PEM. */
  ca?: string | Buffer | Array<string | Buffer>
}

export interface NavigateInit {
  method?: string
  headers?: Record<string, string>
  body?: string | URLSearchParams | FormData | Uint8Array
  /** `manual` returns the first response, redirect or not. */
  redirect?: 'follow' | 'manual'
  /**
   * The URL of the page that starts the request (a link, a form, a script). Without it the
   * request is what the user types in the address bar: same-site, whatever the target.
   */
  initiator?: string | URL
  /** False for a script's fetch: SameSite=Lax cookies then stay home even for a cross-site GET. */
  navigation?: boolean
  /** Overrides the browser's `autoSubmit` for this navigation. */
  autoSubmit?: boolean
}

const DEFAULT_HEADERS = {
  'user-agent': 'Mozilla/5.0 (Postern test browser)',
  'accept-language': 'en',
}
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const MAX_AUTO_SUBMITS = 10

/** What a navigation ended on: the final response, its body as text, and how it got there. */
export class Page {
  readonly status: number
  readonly headers: Headers
  /** The final URL, after redirects. */
  readonly url: string
  readonly body: string
  /** Every request of the navigation, the redirects then the final one. */
  readonly chain: readonly Hop[]
  #forms: HtmlForms | undefined

  constructor(init: { status: number; headers: Headers; url: string; body: string; chain: Hop[] }) {
    this.status = init.status
    this.headers = init.headers
    this.url = init.url
    this.body = init.body
    this.chain = init.chain
  }

  get forms(): Form[] {
    return this.#html.all
  }

  /** One form, by selector or index; without either, the only form of the page. */
  form(choice?: FormChoice): Form {
    return this.#html.choose(choice)
  }

  /** The form the page submits by script as it loads, if any. */
  get autoSubmitForm(): Form | undefined {
    return this.#html.autoSubmit
  }

  /** The request `submitForm` sends for these options: method, URL, body, content type. */
  submission(options: SubmitOptions = {}) {
    return this.#html.submission(this.form(options), options)
  }

  json<T = unknown>(): T {
    return JSON.parse(this.body) as T
  }

  get #html(): HtmlForms {
    this.#forms ??= new HtmlForms(this.body, this.url)
    return this.#forms
  }
}

/**
 * A browser for login-flow tests: a cookie jar (RFC 6265 with SameSite as in Chrome), redirects
 * followed across host names, forms parsed and submitted. Host names under `localhost`
 * (`app.localhost`, `idp.localhost`) resolve to 127.0.0.1; the port goes in the URL. Closed when
 * the test finishes.
 * @example
 * const browser = new Browser()
 * const login = await browser.get(`http://app.localhost:${new URL(gw.url()).port}/`)
 * const done = await browser.submitForm(login, { values: { username: 'demo', password: 'pw' } })
 * expect(done.chain.map((h) => h.status)).toEqual([302, 200])
 */
export class Browser {
  readonly #agent: Agent
  readonly #jar: CookieJar
  readonly #maxRedirects: number
  readonly #autoSubmit: boolean
  readonly #headers: Record<string, string>
  readonly #timeoutMs: number
  #closed = false

  constructor(options: BrowserOptions = {}) {
    this.#agent = new Agent({
      connect: { lookup: localhostLookup, ...(options.ca ? { ca: options.ca } : {}) },
    })
    this.#jar = new CookieJar(options.now)
    this.#maxRedirects = options.maxRedirects ?? 20
    this.#autoSubmit = options.autoSubmit ?? false
    this.#headers = { ...DEFAULT_HEADERS, ...options.headers }
    this.#timeoutMs = options.timeoutMs ?? 10_000
    cleanup(() => this.close())
  }

  get(url: string | URL, init: Omit<NavigateInit, 'method' | 'body'> = {}): Promise<Page> {
    return this.fetch(url, { ...init, method: 'GET' })
  }

  /** POSTs a form, `application/x-www-form-urlencoded`. */
  post(
    url: string | URL,
    form: Record<string, string | readonly string[]> | URLSearchParams,
    init: Omit<NavigateInit, 'method' | 'body'> = {},
  ): Promise<Page> {
    const body =
      form instanceof URLSearchParams
        ? form
        : new URLSearchParams(
            Object.entries(form).flatMap(([name, v]) =>
              (typeof v === 'string' ? [v] : v).map((value): [string, string] => [name, value]),
            ),
          )
    return this.fetch(url, { ...init, method: 'POST', body })
  }

  /** A navigation (or, with `navigation: false`, a script's request), redirects followed. */
  async fetch(url: string | URL, init: NavigateInit = {}): Promise<Page> {
    let page = await this.#navigate(new URL(url), init)
    const auto = init.autoSubmit ?? this.#autoSubmit
    for (let n = 0; auto && page.autoSubmitForm && init.redirect !== 'manual'; n++) {
      if (n === MAX_AUTO_SUBMITS)
        throw new Error(`more than ${MAX_AUTO_SUBMITS} auto-submitted forms`)
      const next = await this.#submit(page, { index: page.autoSubmitForm.index }, false)
      page = new Page({
        status: next.status,
        headers: next.headers,
        url: next.url,
        body: next.body,
        chain: [...page.chain, ...next.chain],
      })
    }
    return page
  }

  /**
   * Submits a form of `page` with its method and action: its hidden and default values, with
   * `values` replacing or adding fields. The page's URL is the initiator, for SameSite.
   */
  submitForm(page: Page, options: SubmitOptions & { autoSubmit?: boolean } = {}): Promise<Page> {
    return this.#submit(page, options, options.autoSubmit)
  }

  /** Submits the form that `page` submits by script as it loads (form_post, SAML POST binding). */
  followAutoSubmit(page: Page): Promise<Page> {
    const form = page.autoSubmitForm
    if (!form)
      throw new Error(`${page.url} submits no form as it loads:\n${page.body.slice(0, 500)}`)
    return this.#submit(page, { index: form.index }, false)
  }

  /** The cookies the jar holds for `url` (domain, path and Secure match), or all of them. */
  cookies(url?: string | URL): Cookie[] {
    return url === undefined ? this.#jar.all() : this.#jar.matching(new URL(url))
  }

  cookie(name: string, url: string | URL): Cookie | undefined {
    return this.cookies(url).find((c) => c.name === name)
  }

  /** Stores a cookie as if `url` had answered with this Set-Cookie header; throws if refused. */
  setCookie(url: string | URL, setCookie: string): void {
    const reason = this.#jar.set(setCookie, {
      url: new URL(url),
      method: 'GET',
      navigation: true,
      crossSite: false,
    })
    if (reason) throw new Error(`cookie refused: ${reason}`)
  }

  clearCookies(): void {
    this.#jar.clear()
  }

  /** The Set-Cookie headers the jar did not store, and why. */
  get refusedCookies(): readonly RefusedCookie[] {
    return this.#jar.refused
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#agent.close()
  }

  #submit(page: Page, options: SubmitOptions, autoSubmit: boolean | undefined): Promise<Page> {
    const s = page.submission(options)
    return this.fetch(s.url, {
      method: s.method,
      ...(s.body === undefined ? {} : { body: s.body }),
      ...(s.contentType ? { headers: { 'content-type': s.contentType } } : {}),
      initiator: page.url,
      ...(autoSubmit === undefined ? {} : { autoSubmit }),
    })
  }

  async #navigate(start: URL, init: NavigateInit): Promise<Page> {
    const navigation = init.navigation ?? true
    const initiator = init.initiator === undefined ? undefined : new URL(init.initiator)
    const initiatorSite = initiator && siteOf(initiator)
    const headers = new Headers({ ...this.#headers, ...init.headers })
    let method = (init.method ?? 'GET').toUpperCase()
    let body = await encode(init.body, headers)
    const chain: Hop[] = []
    let url = start
    // RFC 6265bis: once a redirect chain has been cross-site, it stays cross-site
    let crossSite = false
    let tainted = false // a redirect went to another origin: Origin is then "null"
    for (;;) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`cannot fetch ${url.href}: only http and https`)
      crossSite ||= initiatorSite !== undefined && siteOf(url) !== initiatorSite
      const cookieRequest = { url, method, navigation, crossSite }
      const sent = new Headers(headers)
      if (!sent.has('accept'))
        sent.set('accept', navigation ? 'text/html,application/xhtml+xml,*/*;q=0.8' : '*/*')
      const cookie = this.#jar.header(cookieRequest)
      if (cookie) sent.set('cookie', [cookie, headers.get('cookie')].filter(Boolean).join('; '))
      const origin = tainted ? 'null' : (initiator ?? url).origin
      if ((method !== 'GET' && method !== 'HEAD') || (!navigation && origin !== url.origin))
        sent.set('origin', origin)
      const referer = initiator && refererOf(initiator, url)
      if (referer) sent.set('referer', referer)
      sent.set('sec-fetch-site', fetchSite(initiator, url, crossSite))
      sent.set('sec-fetch-mode', navigation ? 'navigate' : 'cors')
      sent.set('sec-fetch-dest', navigation ? 'document' : 'empty')
      const res = await request(url, {
        dispatcher: this.#agent,
        method: method as 'GET',
        headers: Object.fromEntries(sent),
        body: body ?? null,
        signal: AbortSignal.timeout(this.#timeoutMs),
      }).catch((err: Error) => {
        throw new Error(`${method} ${url.href} failed: ${err.message}`, { cause: err })
      })
      const resHeaders = toHeaders(res.headers)
      const text = await res.body.text()
      chain.push({ method, url: url.href, status: res.statusCode })
      for (const setCookie of resHeaders.getSetCookie()) this.#jar.set(setCookie, cookieRequest)
      const location = resHeaders.get('location')
      const page = () =>
        new Page({ status: res.statusCode, headers: resHeaders, url: url.href, body: text, chain })
      if (!REDIRECTS.has(res.statusCode) || location === null || init.redirect === 'manual')
        return page()
      const next = new URL(location, url)
      // a redirect to an app's custom scheme (myapp://callback?code=...) ends the navigation
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return page()
      if (chain.length > this.#maxRedirects)
        throw new Error(
          `more than ${this.#maxRedirects} redirects:\n${chain.map((h) => `${h.status} ${h.method} ${h.url}`).join('\n')}`,
        )
      // Fetch, "HTTP-redirect fetch": 303, and 301/302 after POST, become a GET without a body
      if (
        (res.statusCode === 303 && method !== 'GET' && method !== 'HEAD') ||
        ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')
      ) {
        method = 'GET'
        body = undefined
        for (const name of [
          'content-type',
          'content-encoding',
          'content-language',
          'content-location',
        ])
          headers.delete(name)
      }
      if (next.origin !== url.origin) {
        headers.delete('authorization')
        // Fetch: a cross-origin redirect from a URL of another origin than the request's
        if (url.origin !== (initiator ?? start).origin) tainted = true
      }
      url = next
    }
  }
}

/** The body as bytes or text, so a 307 or 308 can send it again; sets its content type. */
async function encode(
  body: NavigateInit['body'],
  headers: Headers,
): Promise<string | Uint8Array | undefined> {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    if (typeof body === 'string' && !headers.has('content-type'))
      headers.set('content-type', 'text/plain;charset=UTF-8')
    return body
  }
  if (body instanceof URLSearchParams) {
    // what a browser sends for a form, without the charset parameter Fetch would add
    if (!headers.has('content-type'))
      headers.set('content-type', 'application/x-www-form-urlencoded')
    return body.toString()
  }
  // Node's own Response encodes a FormData, multipart boundary included (undici 7 cannot stream
  // the FormData class of the undici inside Node 20)
  const encoded = new Response(body)
  if (!headers.has('content-type'))
    headers.set('content-type', encoded.headers.get('content-type')!)
  return new Uint8Array(await encoded.arrayBuffer())
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  return headers
}

// strict-origin-when-cross-origin, the default referrer policy
function refererOf(initiator: URL, target: URL): string | undefined {
  if (initiator.protocol === 'https:' && target.protocol === 'http:') return undefined
  if (initiator.origin === target.origin) return initiator.href.replace(/#.*$/, '')
  return `${initiator.origin}/`
}

function fetchSite(initiator: URL | undefined, url: URL, crossSite: boolean): string {
  if (!initiator) return 'none'
  if (crossSite) return 'cross-site'
  return initiator.origin === url.origin ? 'same-origin' : 'same-site'
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/** `*.localhost` is loopback (RFC 6761): resolved here, so no resolver or /etc/hosts entry is needed. */
function localhostLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (!isLocalhostName(hostname.toLowerCase())) {
    dnsLookup(hostname, options, callback as never)
    return
  }
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }])
  else callback(null, '127.0.0.1', 4)
}
