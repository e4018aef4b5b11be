import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  AttributesContext,
  channels,
  ClientContext,
  ConfigError,
  ConfigErrors,
  ConfigTransformError,
  CORE_VERSION,
  EnvironmentResolver,
  Entity,
  Form,
  Heap,
  isPlugin,
  loadTokenFiles,
  PluginError,
  MapResolver,
  PropertiesResolver,
  RequestError,
  Response,
  RootContext,
  SessionContext,
  silentLogger,
  staticBindings,
  SystemPropertiesResolver,
  TokenResolverChain,
  TransactionId,
  TransactionIdContext,
  transformConfig,
  TypeRegistry,
  UriRouterContext,
  isServerTlsProvider,
  type Context,
  type Filter,
  type GatewayServices,
  type Handler,
  type InstanceInfo,
  type Logger,
  type Plugin,
  type Request,
  type ServerRequestMessage,
  type SessionManager,
  type TokenResolver,
} from '@postern/core'
import { evaluateProperties } from '../router/properties.js'
import { setHeapTokens } from '../router/tokens.js'
import { AdminEndpoints } from './admin-endpoints.js'
import { loadExtraPlugins } from './extra.js'
import { DEFAULT_ADMIN, DEFAULT_CONFIG, defaultObjects } from './defaults.js'
import { clientInfo, isLoopback, toRequest, writeResponse } from './http-adapter.js'
import { attachUpgrade, isUpgraded } from './upgrade.js'

export interface GatewayOptions {
  /** Plugins whose types this gateway knows; first-party and third-party alike. */
  plugins: readonly Plugin[]
  /** The instance directory: config/admin.json, config/config.json, config/routes/, logs/, tmp/. */
  instanceDir: string
  logger?: Logger
  /** `-D` system properties (also `system` in expressions). */
  systemProperties?: Record<string, string>
  env?: Record<string, string | undefined>
  /** Replaces the ports of admin.json's connectors (tests listen on port 0). */
  ports?: number[]
  /** How long stop() waits for in-flight requests before closing connections. Default 10 s. */
  drainTimeoutMs?: number
  /** Load the plugins dropped into `<instanceDir>/extra` (default true). */
  extra?: boolean
  /**
   * Where `@postern/*` imports of extra/ plugins resolve from: the URL of a module of the
   * distribution that depends on every shipped plugin (default: @postern/http itself).
   */
  resolveFrom?: string
}

export interface Gateway {
  /** Unique per gateway; diagnostics-channel messages carry it. */
  readonly id: string
  readonly registry: TypeRegistry
  readonly instance: InstanceInfo
  /** Endpoints under the reserved `/openig` prefix; plugins mount theirs here before start(). */
  readonly admin: AdminEndpoints
  /** Loads the configuration and listens; resolves with the ports listened on. */
  start(): Promise<{ ports: number[]; adminPort: number | undefined }>
  stop(): Promise<void>
  /** The heap of config.json (after start). */
  readonly heap: Heap
  readonly adminHeap: Heap
  /** http://127.0.0.1:<first port><path> */
  url(path?: string): string
}

const TRANSACTION_HEADER = 'x-forgerock-transactionid'

async function readJson(path: string, source: string): Promise<unknown | undefined> {
  if (!existsSync(path)) return undefined
  const text = await readFile(path, 'utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new ConfigErrors([
      new ConfigError(source, '', `not valid JSON: ${(err as Error).message}`, undefined, {
        cause: err,
      }),
    ])
  }
}

function asConfigErrors(err: unknown, source: string): unknown {
  if (err instanceof ConfigTransformError)
    return new ConfigErrors([
      new ConfigError(source, err.pointer, err.reason, undefined, { cause: err }),
    ])
  return err
}

/**
 * Assembles a gateway from plugins and an instance directory, as IG starts from admin.json and
 * config.json: `apps/gateway` is this with every first-party plugin.
 *
 * @example
 * const gateway = createGateway({ plugins: [http, filters], instanceDir: '/srv/ig' })
 * await gateway.start()
 */
export function createGateway(options: GatewayOptions): Gateway {
  const logger = options.logger ?? silentLogger
  const registry = new TypeRegistry(CORE_VERSION)
  for (const plugin of options.plugins) {
    if (!isPlugin(plugin))
      throw new TypeError('createGateway: every plugin must come from definePlugin()')
    registry.register(plugin)
  }
  const instanceDir = options.instanceDir
  const system: Record<string, string> = {
    'ig.instance.dir': instanceDir,
    'user.home': process.env.HOME ?? '',
    'user.dir': process.cwd(),
    ...options.systemProperties,
  }
  const env = options.env ?? process.env
  const id = randomUUID()
  const admin = new AdminEndpoints()
  const stopHooks: (() => void | Promise<void>)[] = []
  const servers: Server[] = []
  const sockets = new Set<Socket>()
  let inFlight = 0
  let drained: (() => void) | undefined
  let adminHeap: Heap | undefined
  let configHeap: Heap | undefined
  let ports: number[] = []
  let adminPort: number | undefined
  let instance: InstanceInfo = {
    instanceDirectory: instanceDir,
    configDirectory: join(instanceDir, 'config'),
    temporaryDirectory: join(instanceDir, 'tmp'),
    gatewayId: id,
  }

  async function bootstrapTokens(): Promise<TokenResolver> {
    const dirs = env.IG_ENVCONFIG_DIRS ?? system['ig.envconfig.dirs']
    const resolvers: TokenResolver[] = [
      new EnvironmentResolver(env),
      new SystemPropertiesResolver(system),
    ]
    if (dirs)
      resolvers.push(
        await loadTokenFiles(
          dirs
            .split(',')
            .map((d) => d.trim())
            .filter(Boolean),
        ),
      )
    resolvers.push(
      new MapResolver(
        new Map([
          ['ig.instance.dir', instanceDir],
          ['ig.instance.url', pathToFileURL(instanceDir).toString()],
        ]),
        'defaults',
      ),
    )
    return new TokenResolverChain(resolvers)
  }

  async function loadApplication(
    file: string,
    fallback: unknown,
    tokens: TokenResolver,
    name: string,
  ) {
    const source = `config/${file}`
    const raw = ((await readJson(join(instance.configDirectory, file), source)) ??
      fallback) as Record<string, unknown>
    try {
      const properties =
        raw.properties === undefined
          ? {}
          : (transformConfig(raw.properties, tokens, '/properties') as Record<string, unknown>)
      const chain = new TokenResolverChain([new PropertiesResolver(properties), tokens])
      const config = transformConfig({ ...raw, properties: undefined }, chain) as Record<
        string,
        unknown
      >
      const base = staticBindings({ system, env, openig: instance })
      const bindings = evaluateProperties(properties, base, source)
      const heap = new Heap({
        registry,
        source,
        logger: logger.child({ heap: name }),
        bindings,
        instance,
      })
      setHeapTokens(heap, chain)
      heap.declare(defaultObjects(), '/heap', {
        lazy: true,
        source: `(default objects of ${source})`,
      })
      heap.declare(config.heap)
      heap.setGlobalDecorators(config.globalDecorators, source)
      return { heap, config, source }
    } catch (err) {
      throw asConfigErrors(err, source)
    }
  }

  function protect(filter: Filter | undefined, handler: Handler): Handler {
    if (filter) return { handle: (context, request) => filter.filter(context, request, handler) }
    return {
      handle: async (context, request) => {
        const client = context.as(ClientContext)
        if (client && isLoopback(client.remoteAddress)) return handler.handle(context, request)
        return Response.of(403)
      },
    }
  }

  async function withSession(
    manager: SessionManager,
    context: Context,
    request: Request,
    handler: Handler,
  ): Promise<Response> {
    const session = await manager.load(request)
    const response = await handler.handle(new SessionContext(context, session), request)
    await session.save(response)
    return response
  }

  function contextOf(
    req: IncomingMessage,
    request: Request,
    secure: boolean,
    transactionId: TransactionId,
  ): Context {
    const root = new RootContext()
    const client = new ClientContext(root, clientInfo(req, secure))
    const tx = new TransactionIdContext(client, transactionId)
    const attributes = new AttributesContext(tx)
    return new UriRouterContext(attributes, {
      baseUri: '',
      matchedUri: '',
      originalUri: request.uri.clone(),
    })
  }

  function transactionIdOf(req: IncomingMessage, trust: boolean): TransactionId {
    const incoming = req.headers[TRANSACTION_HEADER]
    return new TransactionId(
      trust && typeof incoming === 'string' && incoming !== '' ? incoming : undefined,
    )
  }

  async function respond(
    entry: Handler,
    context: Context,
    request: Request,
    txId: string,
  ): Promise<Response> {
    try {
      return await entry.handle(context, request)
    } catch (err) {
      if (err instanceof RequestError) return Response.of(err.status)
      logger.error({ err, txId }, 'request failed')
      return Response.of(500)
    }
  }

  /**
   * The message of the server channels for a request (only when observed); start goes out once
   * the request's context is made, finish when the response closes.
   */
  function observe(
    req: IncomingMessage,
    res: ServerResponse,
    local: string,
    secure: boolean,
  ): ServerRequestMessage {
    const socket = req.socket
    const read = socket.bytesRead
    const written = socket.bytesWritten
    const message: ServerRequestMessage = {
      gateway: id,
      local,
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      scheme: secure ? 'https' : 'http',
      headers: req.headers,
      startNs: process.hrtime.bigint(),
    }
    res.once('close', () => {
      message.status = res.statusCode
      message.reset = !res.writableFinished
      // the declared body length, else what the socket read after the head; all bytes written
      const declared = Number(req.headers['content-length'])
      message.requestBytes = Number.isFinite(declared)
        ? declared
        : Math.max(0, socket.bytesRead - read)
      message.responseBytes = Math.max(0, socket.bytesWritten - written)
      channels.serverRequestFinish.publish(message)
    })
    return message
  }

  function serve(
    entry: Handler,
    secure: boolean,
    trustTransactionHeader: boolean,
    local: () => string,
  ) {
    const handle = (
      req: IncomingMessage,
      res: ServerResponse,
      message: ServerRequestMessage | undefined,
    ): void => {
      inFlight++
      // made only if something asks for request.signal: most requests never do
      let abort: AbortController | undefined
      const signal = () => (abort ??= new AbortController()).signal
      res.once('close', () => {
        if (abort && !res.writableFinished) abort.abort(new Error('client closed the connection'))
        if (--inFlight === 0) drained?.()
      })
      let request: Request
      const transactionId = transactionIdOf(req, trustTransactionHeader)
      try {
        request = toRequest(req, secure, signal)
      } catch (err) {
        logger.warn({ err, txId: transactionId.value }, 'malformed request')
        if (message) channels.serverRequestStart.publish(message)
        res.statusCode = 400
        res.end()
        return
      }
      let context = contextOf(req, request, secure, transactionId)
      if (message) {
        message.context = context
        channels.serverRequestStart.publish(message)
        context = message.context
      }
      respond(entry, context, request, transactionId.value)
        .then((response) => writeResponse(res, response, request.method))
        .catch((err: unknown) => {
          if (!res.headersSent) {
            res.statusCode = 500
            res.end()
          } else res.destroy(err as Error)
          if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE')
            logger.warn({ err, txId: transactionId.value }, 'response not written')
        })
        .finally(() => {
          // an unread request body would hold the connection: drain what the handler left
          if (!req.readableEnded && !req.destroyed) req.resume()
        })
    }
    return (req: IncomingMessage, res: ServerResponse): void => {
      const observed =
        channels.serverRequestStart.hasSubscribers || channels.serverRequestFinish.hasSubscribers
      handle(req, res, observed ? observe(req, res, local(), secure) : undefined)
    }
  }

  /** An Upgrade request goes through the same route; a handler that tunnels it takes the socket. */
  function serveUpgrade(entry: Handler, secure: boolean, trust: boolean) {
    return (req: IncomingMessage, socket: Socket, head: Buffer): void => {
      socket.on('error', () => socket.destroy())
      const transactionId = transactionIdOf(req, trust)
      let request: Request
      try {
        request = toRequest(req, secure, () => new AbortController().signal)
      } catch {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
        return
      }
      attachUpgrade(request, socket, head)
      void respond(
        entry,
        contextOf(req, request, secure, transactionId),
        request,
        transactionId.value,
      ).then(async (response) => {
        if (isUpgraded(response)) return
        // not upgraded: answer on the raw socket and close it
        const body = await response.entity.bytes().catch(() => Buffer.alloc(0))
        let text = `HTTP/1.1 ${response.status.code} ${response.status.reasonPhrase}\r\n`
        for (const [name, values] of response.headers) {
          if (/^(connection|content-length|transfer-encoding)$/i.test(name)) continue
          for (const value of values) text += `${name}: ${value}\r\n`
        }
        socket.end(
          `${text}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('latin1')}`,
          'latin1',
        )
      })
    }
  }

  async function listen(
    port: number,
    host: string | undefined,
    tls: unknown,
    maxHeaderSize: number | undefined,
    handler: Handler,
    trust: boolean,
  ): Promise<number> {
    const options = maxHeaderSize ? { maxHeaderSize } : {}
    let server: Server
    let local = `${host ?? '0.0.0.0'}:${port}`
    const localOf = () => local
    if (tls !== undefined) {
      if (!isServerTlsProvider(tls))
        throw new ConfigError('config/admin.json', '/connectors', 'tls must be a ServerTlsOptions')
      server = createHttpsServer(
        { ...options, ...(await tls.serverTlsOptions()) },
        serve(handler, true, trust, localOf),
      ) as unknown as Server
      // the provider may refuse a handshake Node accepted (clientAuth REQUEST, unverified certificate)
      if (tls.secureConnection)
        server.on('secureConnection', (socket: TLSSocket) => tls.secureConnection!(socket))
    } else {
      server = createHttpServer(options, serve(handler, false, trust, localOf))
    }
    server.keepAliveTimeout = 65_000
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      const observed = channels.serverConnection.hasSubscribers
      if (observed) channels.serverConnection.publish({ gateway: id, local, open: true })
      socket.once('close', () => {
        sockets.delete(socket)
        if (observed) channels.serverConnection.publish({ gateway: id, local, open: false })
      })
    })
    server.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
      logger.debug({ err }, 'client error')
    })
    server.listen(port, host)
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => Promise.reject(err as Error)),
    ])
    servers.push(server)
    const bound = (server.address() as AddressInfo).port
    local = `${host ?? '0.0.0.0'}:${bound}`
    server.on('upgrade', serveUpgrade(handler, tls !== undefined, trust))
    return (server.address() as AddressInfo).port
  }

  async function setupPlugins(adminConfig: Record<string, unknown>): Promise<void> {
    const services: GatewayServices = {
      id,
      instance,
      logger,
      registry,
      adminConfig,
      adminHeap: adminHeap!,
      heap: configHeap!,
      mount: (prefix, handler, mountOptions) => admin.mount(prefix, handler, mountOptions),
      onStop: (release) => void stopHooks.push(release),
    }
    for (const { plugin } of registry.plugins()) {
      if (!plugin.setup) continue
      try {
        await plugin.setup(services)
      } catch (err) {
        throw new PluginError(plugin.name, `setup failed: ${(err as Error).message}`, undefined, {
          cause: err,
        })
      }
    }
  }

  const gateway: Gateway = {
    id,
    registry,
    admin,
    get instance() {
      return instance
    },
    get heap() {
      if (!configHeap) throw new Error('the gateway is not started')
      return configHeap
    },
    get adminHeap() {
      if (!adminHeap) throw new Error('the gateway is not started')
      return adminHeap
    },
    async start() {
      if (options.extra !== false) {
        for (const { plugin, from } of await loadExtraPlugins(
          join(instanceDir, 'extra'),
          logger,
          options.resolveFrom,
        )) {
          registry.register(plugin, from)
          logger.info(
            { plugin: plugin.name, version: plugin.version, from },
            `loaded plugin ${plugin.name}@${plugin.version} from ${from}`,
          )
        }
      }
      const tokens = await bootstrapTokens()
      const adminApp = await loadApplication('admin.json', DEFAULT_ADMIN, tokens, 'admin')
      adminHeap = adminApp.heap
      const adminConfig = adminApp.config
      if (typeof adminConfig.temporaryDirectory === 'string')
        instance = { ...instance, temporaryDirectory: adminConfig.temporaryDirectory }
      await mkdir(instance.temporaryDirectory, { recursive: true })
      if (typeof adminConfig.streamingEnabled === 'boolean' && adminConfig.streamingEnabled)
        logger.info({}, 'streamingEnabled: bodies always stream in Postern')
      if (system['org.forgerock.http.util.ignoreFormParamDecodingError'] === 'true')
        Form.lenientDecoding = true
      const maxEntity = Number(system['postern.entity.limit'])
      if (Number.isFinite(maxEntity) && maxEntity > 0) Entity.defaultLimit = maxEntity
      const configApp = await loadApplication('config.json', DEFAULT_CONFIG, tokens, 'config')
      configHeap = configApp.heap
      try {
        await adminHeap.createAll()
        const gatewayHandler = await configHeap.resolve<Handler>(
          configApp.config.handler ?? '_router',
          '/handler',
          'Handler',
          configApp.source,
        )
        await configHeap.createAll()
        // optional references of the two applications: absent stays undefined
        const optional = <T>(
          app: { heap: Heap; source: string; config: Record<string, unknown> },
          key: string,
          kind: string,
        ) =>
          app.config[key] === undefined
            ? undefined
            : app.heap.resolve<T>(app.config[key], `/${key}`, kind, app.source)
        // the session of each application: its `session`, else (config.json) a legacy heap object
        // named Session, else stateful sessions with the default settings
        const sessionOf = async (
          app: { heap: Heap; source: string; config: Record<string, unknown> },
          legacy: boolean,
        ) =>
          (await optional<SessionManager>(app, 'session', 'SessionManager')) ??
          (legacy && app.heap.has('Session')
            ? await app.heap.get<SessionManager>('Session', 'SessionManager', {
                source: app.source,
                pointer: '/heap',
              })
            : await app.heap.resolve<SessionManager>(
                { type: 'InMemorySessionManager' },
                '/session',
                'SessionManager',
                app.source,
              ))
        const configSession = await sessionOf(configApp, true)
        const adminSession = await sessionOf(adminApp, false)
        const apiFilter = await optional<Filter>(adminApp, 'apiProtectionFilter', 'Filter')
        admin.configure({
          logger,
          filter: apiFilter,
          registry,
          version: CORE_VERSION,
          protect: (handler) => protect(apiFilter, handler),
        })
        const prefix = `/${typeof adminConfig.prefix === 'string' ? adminConfig.prefix : 'openig'}`
        const adminHandler: Handler = admin
        await setupPlugins(adminConfig)
        const trust = system['org.forgerock.http.TrustTransactionHeader'] === 'true'
        const entry: Handler = {
          handle: (context, request) => {
            const path = request.uri.rawPath
            if (!admin.separatePort && (path === prefix || path.startsWith(`${prefix}/`))) {
              return withSession(adminSession, context, request, {
                handle: (c, r) =>
                  adminHandler.handle(c, r.uri.rawPath === prefix ? r : withAdminPath(r, prefix)),
              })
            }
            return withSession(configSession, context, request, gatewayHandler)
          },
        }
        const connectors = Array.isArray(adminConfig.connectors)
          ? (adminConfig.connectors as Record<string, unknown>[])
          : []
        if (connectors.length === 0 && !options.ports)
          throw new ConfigError(
            adminApp.source,
            '/connectors',
            'at least one connector is required',
          )
        let i = 0
        const listenPorts: number[] = []
        const portsOf = (c: Record<string, unknown>) => [c.port].flat().map(Number)
        for (const [ci, connector] of connectors.entries()) {
          const tls =
            connector.tls === undefined
              ? undefined
              : await adminHeap.resolve(
                  connector.tls,
                  `/connectors/${ci}/tls`,
                  undefined,
                  adminApp.source,
                )
          for (const port of portsOf(connector)) {
            const chosen = options.ports ? (options.ports[i++] ?? 0) : port
            if (!Number.isInteger(chosen) || chosen < 0 || chosen > 65535)
              throw new ConfigError(
                adminApp.source,
                `/connectors/${ci}/port`,
                `not a valid port: ${String(connector.port)}`,
              )
            listenPorts.push(
              await listen(
                chosen,
                connector.host as string | undefined,
                tls,
                connector.maxTotalHeadersSize as number | undefined,
                entry,
                trust,
              ),
            )
          }
        }
        ports = listenPorts
        const adminConnector = adminConfig.adminConnector as Record<string, unknown> | undefined
        if (adminConnector) {
          admin.separatePort = true
          const tls =
            adminConnector.tls === undefined
              ? undefined
              : await adminHeap.resolve(
                  adminConnector.tls,
                  '/adminConnector/tls',
                  undefined,
                  adminApp.source,
                )
          const port = options.ports ? 0 : Number(adminConnector.port)
          const adminEntry: Handler = {
            handle: (c, r) => withSession(adminSession, c, r, adminHandler),
          }
          adminPort = await listen(
            port,
            adminConnector.host as string | undefined,
            tls,
            adminConnector.maxTotalHeadersSize as number | undefined,
            adminEntry,
            trust,
          )
        }
        return { ports, adminPort }
      } catch (err) {
        await gateway.stop()
        throw asConfigErrors(err, configApp.source)
      }
    },
    async stop() {
      const closed = servers.map(
        (s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())),
      )
      for (const socket of sockets)
        if (!(socket as Socket & { _httpMessage?: unknown })._httpMessage) socket.destroy()
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            drained = resolve
          }),
          new Promise((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 10_000).unref()),
        ])
      }
      for (const socket of sockets) socket.destroy()
      await Promise.all(closed)
      servers.length = 0
      for (const release of stopHooks.splice(0).reverse()) {
        try {
          await release()
        } catch (err) {
          logger.warn({ err }, 'plugin stop hook failed')
        }
      }
      await configHeap?.destroy()
      await adminHeap?.destroy()
    },
    url(path = '/') {
      return `http://127.0.0.1:${ports[0]}${path}`
    },
  }
  return gateway
}

function withAdminPath(request: Request, prefix: string): Request {
  request.uri.rawPath = request.uri.rawPath.slice(prefix.length) || '/'
  return request
}
