import { Agent, errors as undiciErrors, type Dispatcher } from 'undici'
import { ProxyOptionsKind, type ProxyOptions } from './proxy-options.js'
import {
  Kinds,
  channels,
  Expr,
  Raw,
  requestBindings,
  Duration,
  heaplet,
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
import { CircuitBreaker } from '@postern/core/internal'
import { serverNameOf, targetConnector } from './connector.js'
import { endToEnd, isHopByHop } from './hop-by-hop.js'
import { tunnel, type WebSocketOptions } from './websocket.js'
import type { Bindings } from '@postern/core'

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
        description: 'Requests allowed to wait for a connection; more are refused.',
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
      Ref(Kinds.ClientTlsOptions, {
        description: 'ClientTlsOptions for HTTPS upstreams.',
      }),
    ),
    proxyOptions: Type.Optional(
      Ref(ProxyOptionsKind, { description: 'NoProxyOptions or SystemProxyOptions.' }),
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
            Ref(Kinds.Handler, { description: 'Handles requests while the circuit is open.' }),
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
          tls: Type.Optional(Ref(Kinds.ClientTlsOptions)),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type ClientHandlerConfig = Static<typeof ClientHandlerConfig>

/** What a ClientHandler does when a call fails (unreachable, timed out, circuit open). */
export type FailureMode =
  /** ClientHandler: the error propagates through the promise (500 when nothing handles it). */
  | 'propagate'
  /** ReverseProxyHandler: the answer is a 502 Bad Gateway response, carrying the error as cause. */
  | 'respond'

/**
 * Sends the request to `request.uri` through a pooled undici Agent and returns the upstream
 * response, streaming both bodies. The client's Host header is kept, as IG keeps it. A failed call
 * rejects (ClientHandler) or is a 502 response (ReverseProxyHandler), as the reference says.
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
  readonly #identity: ClientOwner
  readonly #failureMode: FailureMode
  #waiting = 0

  constructor(
    config: ClientHandlerConfig,
    tls: TlsOptions | undefined,
    logger: Logger,
    websocketTls?: TlsOptions,
    bindings: Bindings = {},
    identity: ClientOwner = { handler: 'ClientHandler' },
    failureMode: FailureMode = 'propagate',
  ) {
    const timeout = Number.isFinite(config.soTimeout) ? config.soTimeout : 0
    const connect = {
      timeout: Number.isFinite(config.connectionTimeout) ? config.connectionTimeout : 0,
      ...(tls ?? {}),
    }
    const allowH2 = config.protocolVersion === 'HTTP/2'
    const connector = targetConnector({ ...connect, allowH2 })
    const proxied = config.proxyOptions
      ? config.proxyOptions.dispatcher({
          connect,
          connector,
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
        allowH2,
        connect: connector,
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
      ? new CircuitBreaker(cb.maxFailures, cb.slidingCounter.size, cb.openDuration, identity.now)
      : undefined
    this.#openHandler = cb?.openHandler
    this.#bindings = bindings
    // the channel messages name the owner; the clock stays here
    const { now: _now, ...owner } = identity
    this.#identity = owner
    this.#failureMode = failureMode
  }

  async handle(context: Context, request: Request): Promise<Response> {
    const uri = request.uri
    if (!uri.host || (uri.scheme !== 'http' && uri.scheme !== 'https')) {
      this.#logger.error({ uri: uri.toString() }, 'request URI has no http(s) host: set baseURI')
      return this.#fail(new Error(`request URI has no http(s) host: ${uri.toString()}`))
    }
    if (this.#websocket && request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
      const upgraded = await tunnel(request, this.#websocket)
      if (upgraded) return upgraded
    }
    if (this.#breaker?.isOpen) {
      if (this.#openHandler) return this.#openHandler.handle(context, request)
      return this.#fail(new Error('circuit-breaker open')) // IG's default openHandler throws
    }
    const signal = this.#signalOf(request)
    const retries = this.#retries
    // a retried request must be sent again: its body is read into memory first
    if (retries && !request.entity.isBuffered) await request.entity.buffer()
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#send(context, request, signal)
      if (retries && attempt < retries.count && !signal?.aborted) {
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
            retries.runtimeExceptionCondition.eval(scope) === true
        } else again = retries.condition !== undefined && retries.condition.eval(scope) === true
        if (again) {
          if ('response' in outcome) await outcome.response.entity.discard()
          this.#logger.debug(
            { attempt: attempt + 1, uri: request.uri.toString() },
            'retrying request',
          )
          await delay(retries.delay, signal)
          if (!signal?.aborted) continue
          return this.#fail(signal.reason as Error) // cancelled while waiting to retry
        }
      }
      this.#breaker?.record('error' in outcome)
      if ('response' in outcome) return outcome.response
      if (retries && attempt > 0)
        this.#logger.warn(
          { attempts: attempt + 1, uri: request.uri.toString() },
          'all retries failed',
        )
      return this.#failure(outcome.error, request, signal)
    }
  }

  /**
   * The signal of the call: the caller's (`request.signal`, a deadline), and with
   * propagateDisconnection the client's, which aborts when the client goes away.
   */
  #signalOf(request: Request): AbortSignal | undefined {
    const caller = request.signal
    if (!this.#propagateDisconnection) return caller
    const client = request.clientSignal
    if (!client || !caller) return client ?? caller
    return AbortSignal.any([caller, client])
  }

  async #send(
    context: Context,
    request: Request,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response } | { error: Error }> {
    if (!channels.clientRequestStart.hasSubscribers && !channels.clientRequestFinish.hasSubscribers)
      return this.#sendOnce(request, signal)
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
    const outcome = await this.#sendOnce(request, signal)
    if ('error' in outcome) message.error = outcome.error
    else {
      message.status = outcome.response.status.code
      const length = outcome.response.entity.length
      if (length !== undefined) message.responseBytes = length
    }
    channels.clientRequestFinish.publish(message)
    return outcome
  }

  async #sendOnce(
    request: Request,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response } | { error: Error }> {
    const uri = request.uri as MutableUri & { host: string }
    // waitQueueSize: beyond the busy connections and the queue, requests are refused
    if (this.#queue !== undefined && this.#waiting >= this.#queue + this.#connections) {
      return { error: new Error('wait queue is full') }
    }
    const headers = endToEnd(request.headers, SKIP_REQUEST)
    // IG keeps the client's Host header (an HTTP/2 upstream gets it as :authority); a request
    // made in a route without one names the target
    headers.host = request.headers.get('host') || (uri.rawAuthority ?? uri.host)
    const body = request.entity.body()
    const length = request.entity.length
    if (body !== null && length !== undefined) headers['content-length'] = String(length)
    // `servername`: undici's Request reads it (lib/core/request.js); its types do not declare it
    const options: Dispatcher.RequestOptions & { servername?: string } = {
      origin: uri.origin,
      path: uri.requestTarget,
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body: body as Dispatcher.RequestOptions['body'],
    }
    const servername = serverNameOf(uri)
    if (servername !== undefined) options.servername = servername
    if (signal) options.signal = signal
    this.#waiting++
    try {
      const upstream = await this.#agent.request(options)
      const headers = new Headers()
      for (const name in upstream.headers) {
        const value = upstream.headers[name]
        if (value !== undefined && !isHopByHop(name)) headers.set(name, value)
      }
      const response = new Response({
        status: upstream.statusCode,
        headers,
        entityOptions: request.entity.options,
      })
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

  #failure(err: Error, request: Request, signal: AbortSignal | undefined): Response {
    // cancelled by the caller's deadline or by the client leaving: nothing to report
    if (signal?.aborted) return this.#fail(err)
    const timeout =
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError
    this.#logger.warn(
      { err, uri: request.uri.toString() },
      timeout ? 'upstream timed out' : 'upstream unreachable',
    )
    return this.#fail(err)
  }

  /** ReverseProxyHandler answers 502; ClientHandler propagates the error, as IG's do. */
  #fail(err: Error): Response {
    if (this.#failureMode === 'respond') return Response.of(502, undefined, err)
    throw err
  }

  close(): Promise<void> {
    return this.#agent.close()
  }
}

type TlsOptions = Awaited<ReturnType<ClientTlsProvider['clientTlsOptions']>>

async function tlsOf(ref: ClientTlsProvider | undefined): Promise<TlsOptions | undefined> {
  return ref?.clientTlsOptions()
}

export async function createClientHandler(
  config: ClientHandlerConfig,
  logger: Logger,
  bindings: Bindings,
  identity?: ClientOwner,
  failureMode: FailureMode = 'propagate',
): Promise<ClientHandler> {
  return new ClientHandler(
    config,
    await tlsOf(config.tls),
    logger,
    await tlsOf(config.websocket?.tls),
    bindings,
    identity,
    failureMode,
  )
}

/** The heap object a client belongs to (named in metrics and logs), and the clock it reads. */
export interface ClientOwner {
  handler: string
  gateway?: string
  now?: () => number
}

function identityOf(env: HeapletEnv): ClientOwner {
  const gateway = env.instance?.gatewayId
  return { handler: env.name, now: env.now, ...(gateway ? { gateway } : {}) }
}

/** ClientHandler: calls made inside a route (AM, APIs). */
export const clientHandler = heaplet({
  schema: ClientHandlerConfig,
  description:
    'Sends requests to third-party services; pooled, streaming; a failed call propagates its error.',
  create: (config, env) => createClientHandler(config, env.logger, env.bindings, identityOf(env)),
  destroy: (handler) => handler.close(),
})

/** ReverseProxyHandler: the final application of a route; the same client, used as a proxy. */
export const reverseProxyHandler = heaplet({
  schema: ClientHandlerConfig,
  description: 'Proxies requests to the protected application; 502 when it is unreachable or slow.',
  create: (config, env) =>
    createClientHandler(config, env.logger, env.bindings, identityOf(env), 'respond'),
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
