import { Agent, errors as undiciErrors, type Dispatcher } from 'undici'
import { isProxyOptions, type ProxyOptions } from './proxy-options.js'
import {
  channels,
  CircuitBreaker,
  Expr,
  Raw,
  requestBindings,
  Duration,
  heaplet,
  isClientTlsProvider,
  Ref,
  Response,
  StringEnum,
  Type,
  Headers,
  type ClientRequestMessage,
  type ClientTlsProvider,
  type MutableUri,
  type Context,
  type Handler,
  type HeapletEnv,
  type Logger,
  type Request,
  type Static,
} from '@postern/core'
import { endToEnd, isHopByHop } from './hop-by-hop.js'
import { tunnel, type WebSocketOptions } from './websocket.js'
import type { Expression, Bindings } from '@postern/core'

const SKIP_REQUEST = new Set(['host', 'content-length'])

export const ClientHandlerConfig = Type.Object(
  {
    connections: Type.Integer({
      minimum: 1,
      default: 64,
      description: 'Maximum concurrent connections per upstream origin.',
    }),
    waitQueueSize: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Requests allowed to wait for a connection; more are refused (502).',
      }),
    ),
    soTimeout: Duration({
      default: '10 seconds',
      description: 'Socket timeout: a stalled connection is destroyed.',
    }),
    connectionTimeout: Duration({
      default: '10 seconds',
      description: 'Time to wait to establish a connection.',
    }),
    protocolVersion: Type.Optional(
      StringEnum(['HTTP/1.1', 'HTTP/2'], { description: 'HTTP/2 over TLS (ALPN), else HTTP/1.1.' }),
    ),
    propagateDisconnection: Type.Boolean({
      default: false,
      description: 'Cancel the upstream call when the client disconnects.',
    }),
    tls: Type.Optional(
      Ref<ClientTlsProvider>('ClientTlsOptions', {
        description: 'ClientTlsOptions for HTTPS upstreams.',
      }),
    ),
    proxyOptions: Type.Optional(
      Ref<ProxyOptions>('ProxyOptions', { description: 'NoProxyOptions or SystemProxyOptions.' }),
    ),
    retries: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: true }),
          condition: Type.Optional(
            Expr(Type.Boolean(), {
              description: 'Retry when this holds for the response. Default ${false}.',
            }),
          ),
          count: Type.Integer({
            minimum: 0,
            default: 5,
            description: 'Maximum number of retries.',
          }),
          delay: Duration({ default: '10 seconds', description: 'Time to wait before a retry.' }),
          runtimeExceptionCondition: Type.Optional(
            Expr(Type.Boolean(), {
              description:
                'Retry a failed call when this holds (`exception` bound). Default: always.',
            }),
          ),
          executor: Type.Optional(
            Raw({ description: 'Not used: Node schedules retries on its event loop.' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    circuitBreaker: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: true }),
          maxFailures: Type.Integer({
            minimum: 1,
            description: 'Failures in the window that open the circuit.',
          }),
          openDuration: Duration({ description: 'How long the circuit stays open.' }),
          slidingCounter: Type.Object(
            { size: Type.Integer({ minimum: 1 }) },
            { additionalProperties: false },
          ),
          openHandler: Type.Optional(
            Ref<Handler>('Handler', { description: 'Handles requests while the circuit is open.' }),
          ),
          executor: Type.Optional(
            Raw({ description: 'Not used: Node schedules on its event loop.' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    websocket: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({
            default: false,
            description: 'Upgrade HTTP(S) requests to WebSocket and tunnel them.',
          }),
          connectionTimeout: Type.Optional(
            Duration({ description: "Default: the handler's connectionTimeout." }),
          ),
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
  readonly #agent: Dispatcher
  readonly #logger: Logger
  readonly #propagateDisconnection: boolean
  readonly #queue: number | undefined
  readonly #connections: number
  readonly #websocket: WebSocketOptions | undefined
  readonly #retries: NonNullable<ClientHandlerConfig['retries']> | undefined
  readonly #breaker: CircuitBreaker | undefined
  readonly #openHandler: Handler | undefined
  readonly #bindings: Bindings
  readonly #identity: { handler: string; gateway?: string }
  #waiting = 0

  constructor(
    config: ClientHandlerConfig,
    tls: TlsOptions | undefined,
    logger: Logger,
    websocketTls?: TlsOptions,
    bindings: Bindings = {},
    identity: { handler: string; gateway?: string } = { handler: 'ClientHandler' },
  ) {
    const timeout = Number.isFinite(config.soTimeout) ? config.soTimeout : 0
    const connect = {
      timeout: Number.isFinite(config.connectionTimeout) ? config.connectionTimeout : 0,
      ...(tls ?? {}),
    }
    const proxied =
      config.proxyOptions && isProxyOptions(config.proxyOptions)
        ? config.proxyOptions.dispatcher({
            connect,
            headersTimeout: timeout,
            bodyTimeout: timeout,
            connections: config.connections,
          })
        : undefined
    this.#agent =
      proxied ??
      new Agent({
        connections: config.connections,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        keepAliveTimeout: 60_000,
        allowH2: config.protocolVersion === 'HTTP/2',
        connect,
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
    this.#retries = config.retries?.enabled ? config.retries : undefined
    const cb = config.circuitBreaker
    this.#breaker = cb?.enabled
      ? new CircuitBreaker(cb.maxFailures, cb.slidingCounter.size, cb.openDuration)
      : undefined
    this.#openHandler = cb?.openHandler
    this.#bindings = bindings
    this.#identity = identity
  }

  async handle(context: Context, request: Request): Promise<Response> {
    const uri = request.uri
    if (!uri.host || (uri.scheme !== 'http' && uri.scheme !== 'https')) {
      this.#logger.error({ uri: uri.toString() }, 'request URI has no http(s) host: set baseURI')
      return Response.of(502)
    }
    if (this.#websocket && request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
      const upgraded = await tunnel(request, this.#websocket)
      if (upgraded) return upgraded
    }
    if (this.#breaker?.isOpen) {
      if (this.#openHandler) return this.#openHandler.handle(context, request)
      return Response.of(502, undefined, new Error('circuit-breaker open'))
    }
    const retries = this.#retries
    // a retried request must be sent again: its body is read into memory first
    if (retries && !request.entity.isBuffered) await request.entity.buffer()
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#send(context, request)
      if (retries && attempt < retries.count) {
        const scope: Bindings = requestBindings(
          this.#bindings,
          context,
          request,
          'response' in outcome ? outcome.response : null,
        )
        let again: boolean
        if ('error' in outcome) {
          scope.exception = outcome.error
          again =
            !retries.runtimeExceptionCondition ||
            (retries.runtimeExceptionCondition as Expression<boolean>).eval(scope) === true
        } else
          again =
            retries.condition !== undefined &&
            (retries.condition as Expression<boolean>).eval(scope) === true
        if (again) {
          if ('response' in outcome) await outcome.response.entity.discard()
          this.#logger.debug(
            { attempt: attempt + 1, uri: request.uri.toString() },
            'retrying request',
          )
          await delay(retries.delay, request.signal)
          continue
        }
      }
      this.#breaker?.record('error' in outcome)
      if ('response' in outcome) return outcome.response
      if (retries && attempt > 0)
        this.#logger.warn(
          { attempts: attempt + 1, uri: request.uri.toString() },
          'all retries failed',
        )
      return this.#failure(outcome.error, request)
    }
  }

  async #send(
    context: Context,
    request: Request,
  ): Promise<{ response: Response } | { error: Error }> {
    if (!channels.clientRequestStart.hasSubscribers && !channels.clientRequestFinish.hasSubscribers)
      return this.#sendOnce(request)
    const message: ClientRequestMessage = {
      ...this.#identity,
      remote: request.uri.origin,
      method: request.method,
      request,
      context,
      startNs: process.hrtime.bigint(),
    }
    if (request.entity.length !== undefined) message.requestBytes = request.entity.length
    channels.clientRequestStart.publish(message)
    const outcome = await this.#sendOnce(request)
    if ('error' in outcome) message.error = outcome.error
    else {
      message.status = outcome.response.status.code
      const length = outcome.response.entity.length
      if (length !== undefined) message.responseBytes = length
    }
    channels.clientRequestFinish.publish(message)
    return outcome
  }

  async #sendOnce(request: Request): Promise<{ response: Response } | { error: Error }> {
    const uri = request.uri as MutableUri & { host: string }
    // waitQueueSize: beyond the busy connections and the queue, requests are refused
    if (this.#queue !== undefined && this.#waiting >= this.#queue + this.#connections) {
      return { error: new Error('wait queue is full') }
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
      const headers = new Headers()
      for (const name in upstream.headers) {
        const value = upstream.headers[name]
        if (value !== undefined && !isHopByHop(name)) headers.set(name, value)
      }
      const response = new Response({ status: upstream.statusCode, headers })
      const declared = upstream.headers['content-length']
      if (request.method === 'HEAD' || upstream.statusCode === 204 || upstream.statusCode === 304) {
        upstream.body.resume()
      } else {
        response.entity.setStream(
          upstream.body,
          declared === undefined ? undefined : Number(declared),
        )
        if (declared !== undefined) response.headers.set('content-length', String(declared))
      }
      return { response }
    } catch (err) {
      return { error: err as Error }
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
    this.#logger.warn(
      { err, uri: request.uri.toString() },
      timeout ? 'upstream timed out' : 'upstream unreachable',
    )
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

export async function createClientHandler(
  config: ClientHandlerConfig,
  logger: Logger,
  bindings: Bindings,
  identity?: { handler: string; gateway?: string },
): Promise<ClientHandler> {
  return new ClientHandler(
    config,
    await tlsOf(config.tls),
    logger,
    await tlsOf(config.websocket?.tls),
    bindings,
    identity,
  )
}

function identityOf(env: HeapletEnv): { handler: string; gateway?: string } {
  const gateway = env.instance?.gatewayId
  return gateway ? { handler: env.name, gateway } : { handler: env.name }
}

/** ClientHandler: calls made inside a route (AM, APIs). */
export const clientHandler = heaplet({
  schema: ClientHandlerConfig,
  description: 'Sends requests to third-party services; pooled, streaming, 502 when unreachable.',
  create: (config, env) => createClientHandler(config, env.logger, env.bindings, identityOf(env)),
  destroy: (handler) => handler.close(),
})

/** ReverseProxyHandler: the final application of a route; the same client, used as a proxy. */
export const reverseProxyHandler = heaplet({
  schema: ClientHandlerConfig,
  description: 'Proxies requests to the protected application; 502 when it is unreachable or slow.',
  create: (config, env) => createClientHandler(config, env.logger, env.bindings, identityOf(env)),
  destroy: (handler) => handler.close(),
})

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
}
