import { Agent, errors as undiciErrors, type Dispatcher } from 'undici'
import {
  Duration,
  heaplet,
  isClientTlsProvider,
  Ref,
  Response,
  StringEnum,
  Type,
  type ClientTlsProvider,
  type Context,
  type Handler,
  type Logger,
  type Request,
  type Static,
} from '@postern/core'
import { endToEnd, isHopByHop } from './hop-by-hop.js'
import { tunnel, type WebSocketOptions } from './websocket.js'

const SKIP_REQUEST = new Set(['host', 'content-length'])

export const ClientHandlerConfig = Type.Object(
  {
    connections: Type.Integer({ minimum: 1, default: 64, description: 'Maximum concurrent connections per upstream origin.' }),
    waitQueueSize: Type.Optional(Type.Integer({ minimum: 0, description: 'Requests allowed to wait for a connection; more are refused (502).' })),
    soTimeout: Duration({ default: '10 seconds', description: 'Socket timeout: a stalled connection is destroyed.' }),
    connectionTimeout: Duration({ default: '10 seconds', description: 'Time to wait to establish a connection.' }),
    protocolVersion: Type.Optional(StringEnum(['HTTP/1.1', 'HTTP/2'], { description: 'HTTP/2 over TLS (ALPN), else HTTP/1.1.' })),
    propagateDisconnection: Type.Boolean({ default: false, description: 'Cancel the upstream call when the client disconnects.' }),
    tls: Type.Optional(Ref<ClientTlsProvider>('ClientTlsOptions', { description: 'ClientTlsOptions for HTTPS upstreams.' })),
    websocket: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false, description: 'Upgrade HTTP(S) requests to WebSocket and tunnel them.' }),
          connectionTimeout: Type.Optional(Duration({ description: "Default: the handler's connectionTimeout." })),
          soTimeout: Type.Optional(Duration({ description: "Default: the handler's soTimeout." })),
          tls: Type.Optional(Ref<ClientTlsProvider>('ClientTlsOptions')),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type ClientHandlerConfig = Static<typeof ClientHandlerConfig>

/**
 * Sends the request to `request.uri` through a pooled undici Agent and returns the upstream
 * response, streaming both bodies. An unreachable or slow upstream is a 502 response.
 */
export class ClientHandler implements Handler {
  readonly #agent: Agent
  readonly #logger: Logger
  readonly #propagateDisconnection: boolean
  readonly #queue: number | undefined
  readonly #connections: number
  readonly #websocket: WebSocketOptions | undefined
  #waiting = 0

  constructor(config: ClientHandlerConfig, tls: TlsOptions | undefined, logger: Logger, websocketTls?: TlsOptions) {
    const timeout = Number.isFinite(config.soTimeout) ? config.soTimeout : 0
    this.#agent = new Agent({
      connections: config.connections,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      keepAliveTimeout: 60_000,
      allowH2: config.protocolVersion === 'HTTP/2',
      connect: {
        timeout: Number.isFinite(config.connectionTimeout) ? config.connectionTimeout : 0,
        ...(tls ?? {}),
      },
    })
    this.#logger = logger
    this.#propagateDisconnection = config.propagateDisconnection
    this.#queue = config.waitQueueSize
    this.#connections = config.connections
    const ws = config.websocket
    this.#websocket = ws?.enabled
      ? {
          connectionTimeoutMs: ws.connectionTimeout ?? config.connectionTimeout,
          soTimeoutMs: ws.soTimeout ?? config.soTimeout,
          tls: websocketTls ?? tls,
        }
      : undefined
  }

  async handle(_context: Context, request: Request): Promise<Response> {
    const uri = request.uri
    if (!uri.host || (uri.scheme !== 'http' && uri.scheme !== 'https')) {
      this.#logger.error({ uri: uri.toString() }, 'request URI has no http(s) host: set baseURI')
      return Response.of(502)
    }
    if (this.#websocket && request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
      const upgraded = await tunnel(request, this.#websocket)
      if (upgraded) return upgraded
    }
    // waitQueueSize: beyond the busy connections and the queue, requests are refused
    if (this.#queue !== undefined && this.#waiting >= this.#queue + this.#connections) {
      return Response.of(502, undefined, new Error('wait queue is full'))
    }
    const headers = endToEnd(request.headers, SKIP_REQUEST)
    headers.host = uri.rawAuthority ?? uri.host
    const body = request.entity.body()
    const length = request.entity.length
    if (body !== null && length !== undefined) headers['content-length'] = String(length)
    const options: Dispatcher.RequestOptions = {
      origin: uri.origin,
      path: uri.requestTarget,
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body: body as Dispatcher.RequestOptions['body'],
    }
    // propagateDisconnection: a client that leaves cancels the upstream call
    if (this.#propagateDisconnection) options.signal = request.signal
    this.#waiting++
    try {
      const upstream = await this.#agent.request(options)
      const response = new Response({ status: upstream.statusCode })
      for (const [name, value] of Object.entries(upstream.headers)) {
        if (value === undefined || isHopByHop(name)) continue
        response.headers.set(name, value)
      }
      const declared = upstream.headers['content-length']
      if (request.method === 'HEAD' || upstream.statusCode === 204 || upstream.statusCode === 304) {
        upstream.body.resume()
      } else {
        response.entity.setStream(upstream.body, declared === undefined ? undefined : Number(declared))
        if (declared !== undefined) response.headers.set('content-length', String(declared))
      }
      return response
    } catch (err) {
      return this.#failure(err as Error, request)
    } finally {
      this.#waiting--
    }
  }

  #failure(err: Error, request: Request): Response {
    if (request.signal?.aborted) return Response.of(502, undefined, err)
    const timeout =
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError
    this.#logger.warn({ err, uri: request.uri.toString() }, timeout ? 'upstream timed out' : 'upstream unreachable')
    return Response.of(502, undefined, err)
  }

  close(): Promise<void> {
    return this.#agent.close()
  }
}

type TlsOptions = Awaited<ReturnType<ClientTlsProvider['clientTlsOptions']>>

async function tlsOf(ref: unknown): Promise<TlsOptions | undefined> {
  if (ref === undefined) return undefined
  if (!isClientTlsProvider(ref)) throw new TypeError('tls must reference a ClientTlsOptions')
  return ref.clientTlsOptions()
}

export async function createClientHandler(config: ClientHandlerConfig, logger: Logger): Promise<ClientHandler> {
  return new ClientHandler(config, await tlsOf(config.tls), logger, await tlsOf(config.websocket?.tls))
}

/** ClientHandler: calls made inside a route (AM, APIs). */
export const clientHandler = heaplet({
  schema: ClientHandlerConfig,
  description: 'Sends requests to third-party services; pooled, streaming, 502 when unreachable.',
  create: (config, env) => createClientHandler(config, env.logger),
  destroy: (handler) => handler.close(),
})

/** ReverseProxyHandler: the final application of a route; the same client, used as a proxy. */
export const reverseProxyHandler = heaplet({
  schema: ClientHandlerConfig,
  description: 'Proxies requests to the protected application; 502 when it is unreachable or slow.',
  create: (config, env) => createClientHandler(config, env.logger),
  destroy: (handler) => handler.close(),
})
