import { RequestCookies } from './cookies.js'
import { Entity, type EntityOptions } from './entity.js'
import { Form } from './form.js'
import { Headers } from './headers.js'
import { MutableUri } from './uri.js'

export interface RequestInit {
  method?: string
  uri?: MutableUri | string
  version?: string
  headers?: Headers | Record<string, string | string[]>
  entity?: unknown
  /**
   * The caller's signal, a deadline or a cancellation of the calls made with this request
   * (`AbortSignal.timeout(ms)`): ClientHandler always honours it.
   */
  signal?: AbortSignal | (() => AbortSignal)
  /**
   * Aborted when the client that sent the request goes away, or a function making it on first use
   * (the server sets it; most requests never need one).
   */
  clientSignal?: AbortSignal | (() => AbortSignal | undefined)
  /** The entity's read limit and form decoding (the gateway sets them on the requests it receives). */
  entityOptions?: EntityOptions
}

/**
 * An HTTP request as it travels through filters and handlers. `uri` is the full URI
 * (`https://host:port/path?query`); filters may change any part of it.
 */
export class Request {
  method: string
  uri: MutableUri
  version: string
  readonly headers: Headers
  readonly entity: Entity
  #signal: AbortSignal | (() => AbortSignal) | undefined
  #clientSignal: AbortSignal | (() => AbortSignal | undefined) | undefined
  #cookies: { source: readonly string[]; cookies: RequestCookies } | null = null

  constructor(init: RequestInit = {}) {
    this.method = init.method ?? 'GET'
    this.uri =
      init.uri === undefined
        ? new MutableUri({ rawPath: '/' })
        : typeof init.uri === 'string'
          ? MutableUri.parse(init.uri)
          : init.uri
    this.version = init.version ?? 'HTTP/1.1'
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers)
    this.entity = new Entity(this.headers, 'request', init.entityOptions)
    if (init.entity !== undefined) this.entity.set(init.entity)
    this.#signal = init.signal
    this.#clientSignal = init.clientSignal
  }

  /**
   * The caller's deadline or cancellation of the calls made with this request: ClientHandler
   * always honours it.
   *
   * @example
   * const request = new Request({ uri: jwksUri, signal: AbortSignal.timeout(10_000) })
   */
  get signal(): AbortSignal | undefined {
    if (typeof this.#signal === 'function') this.#signal = this.#signal()
    return this.#signal
  }

  set signal(signal: AbortSignal | undefined) {
    this.#signal = signal
  }

  /**
   * Aborted when the client that sent this request goes away. ClientHandler and
   * ReverseProxyHandler pass it on only with `propagateDisconnection`.
   */
  get clientSignal(): AbortSignal | undefined {
    if (typeof this.#clientSignal === 'function') this.#clientSignal = this.#clientSignal()
    return this.#clientSignal
  }

  set clientSignal(signal: AbortSignal | undefined) {
    this.#clientSignal = signal
  }

  /** The request cookies, parsed from the Cookie headers (re-parsed when those change). */
  get cookies(): RequestCookies {
    const source = this.headers.getAll('cookie')
    if (this.#cookies === null || this.#cookies.source !== source) {
      this.#cookies = { source, cookies: RequestCookies.parse(source) }
    }
    return this.#cookies.cookies
  }

  /** A copy of the query parameters decoded as a form; changes to it do not change the request. */
  get queryParams(): Form {
    return Form.parse(this.uri.rawQuery, this.entity.lenientFormDecoding)
  }

  /** A copy of this request, with a copy of the headers; the entity is shared when it streams. */
  copy(): Request {
    const copy = new Request({
      method: this.method,
      uri: this.uri.clone(),
      version: this.version,
      headers: new Headers(this.headers),
      entityOptions: this.entity.options,
      ...(this.#signal ? { signal: () => this.signal! } : {}),
      ...(this.#clientSignal ? { clientSignal: () => this.clientSignal } : {}),
    })
    const body = this.entity.body()
    if (body !== null) {
      if (Buffer.isBuffer(body)) copy.entity.setBytes(body)
      else copy.entity.setStream(body, this.entity.length)
    }
    return copy
  }

  toJSON(): Record<string, unknown> {
    return {
      method: this.method,
      uri: this.uri.toString(),
      version: this.version,
      headers: this.headers.toJSON(),
    }
  }
}
