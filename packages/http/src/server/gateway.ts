import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CORE_VERSION,
  isPlugin,
  Kinds,
  silentLogger,
  TypeRegistry,
  type EntityOptions,
  type GatewayServices,
  type Heap,
  type InstanceInfo,
  type Logger,
  type Plugin,
} from '@postern/core'
import { AdminEndpoints } from './admin-endpoints.js'
import {
  bootstrapTokens,
  loadApplication,
  optionalRef,
  sessionOf,
  type Application,
  type ApplicationEnv,
} from './application.js'
import { listenConnectors } from './connectors.js'
import { DEFAULT_ADMIN, DEFAULT_CONFIG } from './defaults.js'
import type { Dispatch } from './dispatch.js'
import { ServerSet } from './drain.js'
import { registerExtraPlugins, runStopHooks, setupPlugins } from './plugin-setup.js'
import { adminEntry, gatewayEntry, protect } from './reserved.js'

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
  /**
   * The clock heap objects read (sessions, caches, circuit breakers), in milliseconds since the
   * epoch; default Date.now. Tests move one by hand instead of sleeping.
   */
  now?: () => number
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
  const app: ApplicationEnv = {
    registry,
    logger,
    system,
    env: options.env ?? process.env,
    ...(options.now ? { now: options.now } : {}),
  }
  const id = randomUUID()
  const admin = new AdminEndpoints()
  const stopHooks: (() => void | Promise<void>)[] = []
  const servers = new ServerSet()
  const entityOptions: EntityOptions = {}
  let adminApp: Application | undefined
  let configApp: Application | undefined
  let ports: number[] = []
  let instance: InstanceInfo = {
    instanceDirectory: instanceDir,
    configDirectory: join(instanceDir, 'config'),
    temporaryDirectory: join(instanceDir, 'tmp'),
    gatewayId: id,
  }

  /** admin.json's settings of the whole gateway, and the system properties of its requests. */
  async function applySettings(adminConfig: Record<string, unknown>): Promise<void> {
    if (typeof adminConfig.temporaryDirectory === 'string')
      instance = { ...instance, temporaryDirectory: adminConfig.temporaryDirectory }
    await mkdir(instance.temporaryDirectory, { recursive: true })
    if (adminConfig.streamingEnabled === true)
      logger.info({}, 'streamingEnabled: bodies always stream in Postern')
    entityOptions.lenientFormDecoding =
      system['org.forgerock.http.util.ignoreFormParamDecodingError'] === 'true'
    const maxEntity = Number(system['postern.entity.limit'])
    if (Number.isFinite(maxEntity) && maxEntity > 0) entityOptions.limit = maxEntity
  }

  /** Makes both heaps' objects, runs the plugins' setup, then listens. */
  async function serve(adminApp: Application, configApp: Application) {
    const adminConfig = adminApp.config
    await adminApp.heap.createAll()
    const configHandler = await configApp.heap.resolve(
      configApp.config.handler ?? '_router',
      '/handler',
      Kinds.Handler,
      configApp.source,
    )
    await configApp.heap.createAll()
    const configSession = await sessionOf(configApp, true)
    const adminSession = await sessionOf(adminApp, false)
    const apiFilter = await optionalRef(adminApp, 'apiProtectionFilter', Kinds.Filter)
    admin.configure({
      logger,
      filter: apiFilter,
      registry,
      version: CORE_VERSION,
      protect: (handler) => protect(apiFilter, handler),
    })
    const services: GatewayServices = {
      id,
      instance,
      logger,
      registry,
      adminConfig,
      adminHeap: adminApp.heap,
      heap: configApp.heap,
      mount: (prefix, handler, mountOptions) => admin.mount(prefix, handler, mountOptions),
      onStop: (release) => void stopHooks.push(release),
    }
    await setupPlugins(registry, services)
    // decided before the first port listens: /openig is never served on a gateway port by mistake
    admin.separatePort = adminConfig.adminConnector !== undefined
    const entry = gatewayEntry({
      admin,
      prefix: `/${typeof adminConfig.prefix === 'string' ? adminConfig.prefix : 'openig'}`,
      separatePort: admin.separatePort,
      preserveQuery: String(adminConfig.preserveOriginalQueryString) === 'true',
      adminSession,
      configSession,
      handler: configHandler,
    })
    const dispatch: Dispatch = {
      gatewayId: id,
      logger,
      entityOptions,
      servers,
      trustTransactionHeader: system['org.forgerock.http.TrustTransactionHeader'] === 'true',
    }
    return listenConnectors(dispatch, {
      config: adminConfig,
      heap: adminApp.heap,
      source: adminApp.source,
      ports: options.ports,
      entry,
      adminEntry: adminEntry(admin, adminSession),
    })
  }

  const gateway: Gateway = {
    id,
    registry,
    admin,
    get instance() {
      return instance
    },
    get heap() {
      if (!configApp) throw new Error('the gateway is not started')
      return configApp.heap
    },
    get adminHeap() {
      if (!adminApp) throw new Error('the gateway is not started')
      return adminApp.heap
    },
    async start() {
      if (options.extra !== false)
        await registerExtraPlugins(
          registry,
          logger,
          join(instanceDir, 'extra'),
          options.resolveFrom,
        )
      registry.checkDependencies()
      const tokens = await bootstrapTokens(app, instanceDir)
      const adminFile = { file: 'admin.json', fallback: DEFAULT_ADMIN, name: 'admin', tokens }
      adminApp = await loadApplication(app, adminFile, instance)
      await applySettings(adminApp.config)
      const configFile = { file: 'config.json', fallback: DEFAULT_CONFIG, name: 'config', tokens }
      configApp = await loadApplication(app, configFile, instance)
      try {
        const listening = await serve(adminApp, configApp)
        ports = listening.ports
        return listening
      } catch (err) {
        await gateway.stop()
        throw err
      }
    },
    async stop() {
      await servers.close(options.drainTimeoutMs ?? 10_000)
      await runStopHooks(stopHooks, logger)
      await configApp?.heap.destroy()
      await adminApp?.heap.destroy()
    },
    url(path = '/') {
      return `http://127.0.0.1:${ports[0]}${path}`
    },
  }
  return gateway
}
