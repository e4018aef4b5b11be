import { Readable } from 'node:stream'
import { RequestError } from '../errors.js'
import { EL_GET, EL_SET } from '../expressions/protocol.js'
import type { Headers } from './headers.js'
import { Form } from './form.js'

/** A body as a stream: a node Readable (IncomingMessage, undici body) or any async iterable of bytes. */
export type BodyStream = AsyncIterable<Uint8Array> & { destroy?(err?: Error): unknown }

export interface ReadOptions {
  /** Maximum number of bytes to read; more is a RequestError (413, or 502 for a response). Default: the entity's `limit`. */
  limit?: number
}

/** The default read limit of an entity: 10 MiB (the gateway's `postern.entity.limit` changes it). */
export const DEFAULT_ENTITY_LIMIT = 10 * 1024 * 1024

/** How an entity reads: set per gateway on the requests it receives, passed on to the responses. */
export interface EntityOptions {
  /** Maximum number of bytes read into memory. Default: DEFAULT_ENTITY_LIMIT. */
  limit?: number
  /** Keep malformed percent escapes of form parameters as written instead of answering 400. */
  lenientFormDecoding?: boolean
}

const EMPTY = Buffer.alloc(0)

/**
 * A message body. It streams through untouched unless someone reads it; reading buffers it once,
 * with a limit, and it can be read again (and sent on) afterwards.
 *
 * Expressions read `entity.string`, `entity.json`, `entity.form` synchronously: the caller awaits
 * `buffer()` first (Expression.evaluate does when the expression reads an entity).
 */
export class Entity {
  /** Maximum number of bytes read into memory when no read names its own limit. */
  limit: number
  /** Whether malformed form escapes are kept as written (`ignoreFormParamDecodingError`). */
  lenientFormDecoding: boolean
  /** A response's content over the limit is the upstream's fault: 502, not the client's 413. */
  readonly #overLimitStatus: 413 | 502

  #stream: BodyStream | null = null
  #buffer: Buffer | null = EMPTY
  #loading: Promise<Buffer> | null = null
  #length: number | undefined = 0
  #json: { value: unknown } | null = null
  readonly #headers: Headers | undefined

  /**
   * @param headers the owning message's headers, kept in step with the content (Content-Length).
   * @param of whose content this is: a request's (over the limit: 413) or a response's (502).
   */
  constructor(
    headers?: Headers,
    of: 'request' | 'response' = 'request',
    options: EntityOptions = {},
  ) {
    this.#headers = headers
    this.#overLimitStatus = of === 'response' ? 502 : 413
    this.limit = options.limit ?? DEFAULT_ENTITY_LIMIT
    this.lenientFormDecoding = options.lenientFormDecoding ?? false
  }

  /** The read options of this entity, to give a message made for it (a response to a request). */
  get options(): EntityOptions {
    return { limit: this.limit, lenientFormDecoding: this.lenientFormDecoding }
  }

  /** True when there is no content at all (nothing buffered, no stream). */
  get isEmpty(): boolean {
    return this.#stream === null && (this.#buffer === null || this.#buffer.length === 0)
  }

  /** True when the content is held in memory (set, or read once). */
  get isBuffered(): boolean {
    return this.#stream === null && this.#buffer !== null
  }

  /** The byte length when known: buffered content, or a stream's declared length. */
  get length(): number | undefined {
    return this.#buffer !== null && this.#stream === null ? this.#buffer.length : this.#length
  }

  /** Replaces the content with a stream; `length` when it is known (Content-Length). */
  setStream(stream: BodyStream, length?: number): void {
    this.#reset()
    this.#stream = stream
    this.#buffer = null
    this.#length = length
  }

  setBytes(bytes: Uint8Array): void {
    this.#reset()
    this.#buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)
    this.#updateLength()
  }

  setString(text: string): void {
    this.setBytes(Buffer.from(text, 'utf8'))
  }

  /** Sets JSON content; also sets `Content-Type: application/json; charset=UTF-8` when absent. */
  setJson(value: unknown): void {
    this.setBytes(Buffer.from(JSON.stringify(value), 'utf8'))
    this.#json = { value }
    if (this.#headers && !this.#headers.has('content-type')) {
      this.#headers.set('Content-Type', 'application/json; charset=UTF-8')
    }
  }

  /** Sets form content; also sets `Content-Type: application/x-www-form-urlencoded` when absent. */
  setForm(form: Form): void {
    this.setString(form.toString())
    if (this.#headers && !this.#headers.has('content-type')) {
      this.#headers.set('Content-Type', 'application/x-www-form-urlencoded')
    }
  }

  /** Sets content from a string, bytes, a Form, or any other value as JSON. */
  set(value: unknown): void {
    if (value === null || value === undefined) this.setBytes(EMPTY)
    else if (typeof value === 'string') this.setString(value)
    else if (value instanceof Uint8Array) this.setBytes(value)
    else if (value instanceof Form) this.setForm(value)
    else this.setJson(value)
  }

  /** Reads the whole content into memory, once; later calls return the same bytes. */
  buffer(options: ReadOptions = {}): Promise<Buffer> {
    if (this.#stream === null) return Promise.resolve(this.#buffer ?? EMPTY)
    this.#loading ??= this.#read(this.#stream, options.limit ?? this.limit)
    return this.#loading
  }

  async bytes(options?: ReadOptions): Promise<Buffer> {
    return this.buffer(options)
  }

  async text(options?: ReadOptions): Promise<string> {
    return (await this.buffer(options)).toString('utf8')
  }

  /** Parses the content as JSON; malformed JSON is a RequestError 400. Empty content is null. */
  async json(options?: ReadOptions): Promise<unknown> {
    await this.buffer(options)
    return this.#parseJson()
  }

  async form(options?: ReadOptions): Promise<Form> {
    return Form.parse(await this.text(options), this.lenientFormDecoding)
  }

  /** The buffered content as text, or null when not buffered. */
  get string(): string | null {
    return this.isBuffered ? this.#buffer!.toString('utf8') : null
  }

  /** The buffered content as JSON (null when empty, not buffered or not JSON), as IG's `entity.json`. */
  get jsonValue(): unknown {
    if (!this.isBuffered) return null
    try {
      return this.#parseJson()
    } catch {
      return null
    }
  }

  /** The buffered content as a Form, or null when not buffered. */
  get formValue(): Form | null {
    return this.isBuffered
      ? Form.parse(this.#buffer!.toString('utf8'), this.lenientFormDecoding)
      : null
  }

  /** The buffered bytes, or null when not buffered. */
  get bufferedBytes(): Buffer | null {
    return this.isBuffered ? this.#buffer : null
  }

  /**
   * What to send: the buffered bytes, or the stream (which can then be sent only once).
   * Null when empty.
   */
  body(): Buffer | BodyStream | null {
    if (this.#stream !== null) return this.#stream
    return this.#buffer !== null && this.#buffer.length > 0 ? this.#buffer : null
  }

  /** The content as a node Readable, for piping. */
  toReadable(): Readable {
    const body = this.body()
    if (body === null) return Readable.from([])
    if (Buffer.isBuffer(body)) return Readable.from([body])
    return body instanceof Readable ? body : Readable.from(body)
  }

  /**
   * Drops the content. An unread stream is drained without keeping it (undici bodies with `dump`,
   * so the pooled connection is reused; node streams with `resume`, so a client's keep-alive
   * connection survives), never left hanging.
   */
  async discard(): Promise<void> {
    const stream = this.#stream as
      (BodyStream & { dump?: () => Promise<void>; resume?: () => unknown }) | null
    this.#reset()
    this.#buffer = EMPTY
    this.#length = 0
    this.#updateLength()
    if (stream === null) return
    if (typeof stream.dump === 'function') await stream.dump().catch(() => stream.destroy?.())
    else if (typeof stream.resume === 'function') stream.resume()
    else if (typeof stream.destroy === 'function') stream.destroy()
    else for await (const chunk of stream) void chunk
  }

  toJSON(): unknown {
    return this.string
  }

  // EL: `entity.json`, `entity.form`, `entity.string`, `entity.bytes`, as IG names them.
  [EL_GET](key: string | number): unknown {
    switch (key) {
      case 'json':
        return this.jsonValue
      case 'form':
        return this.formValue
      case 'string':
        return this.string
      case 'bytes':
        return this.bufferedBytes
      case 'empty':
      case 'isEmpty':
        return this.isEmpty
      default:
        return undefined
    }
  }

  [EL_SET](key: string | number, value: unknown): void {
    if (key === 'json') this.setJson(value)
    else if (key === 'string') this.setString(String(value ?? ''))
    else if (key === 'form' && value instanceof Form) this.setForm(value)
    else if (key === 'bytes' && value instanceof Uint8Array) this.setBytes(value)
  }

  #parseJson(): unknown {
    if (this.#json) return this.#json.value
    const text = this.#buffer!.toString('utf8')
    if (text.trim() === '') return null
    try {
      const value: unknown = JSON.parse(text)
      this.#json = { value }
      return value
    } catch (err) {
      throw new RequestError(400, 'malformed JSON entity', { cause: err })
    }
  }

  async #read(stream: BodyStream, limit: number): Promise<Buffer> {
    if (this.#length !== undefined && this.#length > limit) {
      stream.destroy?.()
      throw new RequestError(
        this.#overLimitStatus,
        `entity of ${this.#length} bytes is over the limit of ${limit}`,
      )
    }
    const chunks: Buffer[] = []
    let total = 0
    for await (const chunk of stream) {
      total += chunk.length
      if (total > limit) {
        stream.destroy?.()
        throw new RequestError(this.#overLimitStatus, `entity is over the limit of ${limit} bytes`)
      }
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
    }
    const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
    if (this.#stream === stream) {
      this.#stream = null
      this.#buffer = buffer
      this.#length = buffer.length
      this.#loading = null
    }
    return buffer
  }

  #reset(): void {
    this.#stream = null
    this.#loading = null
    this.#json = null
  }

  #updateLength(): void {
    if (!this.#headers) return
    const length = this.#buffer?.length ?? 0
    this.#headers.delete('transfer-encoding')
    if (length === 0 && !this.#headers.has('content-length')) return
    this.#headers.set('Content-Length', String(length))
  }
}
