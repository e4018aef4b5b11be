import { Entity, type EntityOptions } from './entity.js'
import { Headers } from './headers.js'
import { Status } from './status.js'

export interface ResponseInit {
  status?: Status | number
  version?: string
  headers?: Headers | Record<string, string | string[]>
  entity?: unknown
  cause?: Error
  /** The entity's read limit (ClientHandler passes on the request's). */
  entityOptions?: EntityOptions
}

/** An HTTP response as it travels back through filters. */
export class Response {
  status: Status
  version: string
  readonly headers: Headers
  readonly trailers: Headers
  readonly entity: Entity
  /** The cause of an error response (4xx-5xx), when there is one. */
  cause: Error | null

  constructor(init: ResponseInit = {}) {
    const status = init.status ?? Status.OK
    this.status = typeof status === 'number' ? Status.valueOf(status) : status
    this.version = init.version ?? 'HTTP/1.1'
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers)
    this.trailers = new Headers()
    this.entity = new Entity(this.headers, 'response', init.entityOptions)
    if (init.entity !== undefined) this.entity.set(init.entity)
    this.cause = init.cause ?? null
  }

  /** A response with a status and an optional cause and text body. */
  static of(status: number, entity?: unknown, cause?: Error): Response {
    return new Response({
      status,
      ...(entity !== undefined ? { entity } : {}),
      ...(cause ? { cause } : {}),
    })
  }

  toJSON(): Record<string, unknown> {
    return {
      status: this.status.code,
      reason: this.status.reasonPhrase,
      version: this.version,
      headers: this.headers.toJSON(),
    }
  }
}
