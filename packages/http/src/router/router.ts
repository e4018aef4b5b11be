import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import {
  Duration,
  Kinds,
  channels,
  ConfigError,
  ConfigErrors,
  heaplet,
  parseDuration,
  Ref,
  Response,
  Type,
  type Context,
  type Handler,
  type Heap,
  type Logger,
  type Request,
} from '@postern/core'
import { compareRouteIds } from '@postern/core/internal'
import { loadRoute, type Route } from './route.js'

interface FileState {
  hash: string
  routeId: string | undefined
}

/** What the REST API and monitoring see of a deployed route. */
export interface RouteInfo {
  id: string
  name: string
  source: string
  config: Record<string, unknown>
}

function byName(a: Route, b: Route): number {
  return compareRouteIds(a.name, b.name) || compareRouteIds(a.id, b.id)
}

/**
 * The Router: loads route files from a directory, keeps them ordered by name (or id), rescans the
 * directory, and sends each request to the first route whose condition holds.
 */
export class Router implements Handler {
  readonly directory: string
  readonly scanIntervalMs: number
  /** Heap name of the router (`_router` for config.json's). */
  readonly name: string
  readonly #parent: Heap
  readonly #logger: Logger
  readonly #defaultHandler: Handler | undefined
  readonly #instanceDir: string | undefined
  #routes: Route[] = []
  readonly #files = new Map<string, FileState>()
  readonly #loadTimeoutMs: number
  #timer: NodeJS.Timeout | undefined
  #scanning: Promise<void> | undefined
  #stopped = false
  // aborted by stop(): a scan waiting on a file gives up at once
  readonly #stopping = new AbortController()

  constructor(init: {
    directory: string
    scanIntervalMs: number
    parent: Heap
    logger: Logger
    defaultHandler?: Handler
    instanceDir?: string
    name?: string
    /** How long one file may take to load before the scan gives up on it (default 30 s). */
    loadTimeoutMs?: number
  }) {
    this.#loadTimeoutMs = init.loadTimeoutMs ?? 30_000
    this.name = init.name ?? '_router'
    this.directory = init.directory
    this.scanIntervalMs = init.scanIntervalMs
    this.#parent = init.parent
    this.#logger = init.logger
    this.#defaultHandler = init.defaultHandler
    this.#instanceDir = init.instanceDir
  }

  /** Loads the directory once, then rescans it every scanInterval (unless disabled). */
  async start(): Promise<void> {
    await mkdir(this.directory, { recursive: true })
    await this.scan()
    if (this.scanIntervalMs > 0 && Number.isFinite(this.scanIntervalMs)) {
      this.#timer = setInterval(() => void this.scan(), this.scanIntervalMs)
      this.#timer.unref()
    }
  }

  async handle(context: Context, request: Request): Promise<Response> {
    for (const route of this.#routes) {
      if (await route.accepts(context, request)) return route.handle(context, request)
    }
    if (this.#defaultHandler) return this.#defaultHandler.handle(context, request)
    // IG aborts with an internal error when nothing handles the request and there is no default
    return Response.of(404)
  }

  /** The deployed routes, in routing order. */
  routes(): RouteInfo[] {
    return this.#routes.map(({ id, name, source, config }) => ({ id, name, source, config }))
  }

  route(id: string): RouteInfo | undefined {
    return this.routes().find((r) => r.id === id)
  }

  /**
   * Deploys (or replaces) a route from its JSON, as a file or the REST API does. A route that fails
   * to load is not deployed and the route it would replace is removed (kept with
   * `keepOnFailure`); the errors are thrown.
   */
  async deploy(
    id: string,
    json: unknown,
    source: string,
    options: { keepOnFailure?: boolean; signal?: AbortSignal } = {},
  ): Promise<RouteInfo> {
    let route: Route
    try {
      route = await loadRoute({
        id,
        source,
        json,
        parent: this.#parent,
        logger: this.#logger,
        router: this.name,
      })
    } catch (err) {
      // a broken file removes its old version; the REST API keeps it (keepOnFailure)
      if (!options.keepOnFailure) this.undeploy(id)
      throw err
    }
    if (this.#stopped || options.signal?.aborted) {
      // the scan gave up on this file, or the router stopped, while it was loading
      await route.destroy()
      throw options.signal?.reason ?? new Error('router stopped')
    }
    const clash = this.#routes.find((r) => r.name === route.name && r.id !== id)
    if (clash) {
      await route.destroy()
      throw new ConfigErrors([
        new ConfigError(
          source,
          '/name',
          `a route named "${route.name}" is already deployed from ${clash.source}`,
        ),
      ])
    }
    const old = this.#routes.find((r) => r.id === id)
    this.#routes = [...this.#routes.filter((r) => r.id !== id), route].sort(byName)
    old?.retire()
    this.#published()
    this.#logger.info({ route: route.name, id, source }, old ? 'route updated' : 'route loaded')
    return { id, name: route.name, source, config: route.config }
  }

  /** Removes a route; requests already in it finish first. */
  undeploy(id: string): boolean {
    const old = this.#routes.find((r) => r.id === id)
    if (!old) return false
    this.#routes = this.#routes.filter((r) => r !== old)
    old.retire()
    this.#published()
    this.#logger.info({ route: old.name, id, source: old.source }, 'route removed')
    return true
  }

  #published(): void {
    if (channels.routerRoutes.hasSubscribers)
      channels.routerRoutes.publish({
        gateway: this.#parent.instance?.gatewayId ?? '',
        router: this.name,
        routes: this.#routes.length,
      })
  }

  /** One scan of the directory: loads new and changed files, removes routes of deleted files. */
  scan(): Promise<void> {
    this.#scanning ??= this.#scan().finally(() => {
      this.#scanning = undefined
    })
    return this.#scanning
  }

  async #scan(): Promise<void> {
    let names: string[]
    try {
      names = (await readdir(this.directory))
        .filter((n) => n.endsWith('.json') && n !== 'default.json')
        .sort()
    } catch (err) {
      this.#logger.warn({ err, directory: this.directory }, 'routes directory cannot be read')
      return
    }
    const present = new Set(names)
    for (const [file, state] of this.#files) {
      if (present.has(file)) continue
      this.#files.delete(file)
      if (state.routeId !== undefined) this.undeploy(state.routeId)
    }
    for (const file of names) {
      if (this.#stopped) return
      const path = join(this.directory, file)
      const source = this.#instanceDir ? relative(this.#instanceDir, path) : path
      // Each file gets a deadline: a route whose objects never finish loading (a hung call, a
      // FIFO in the directory) is reported and skipped, and the other files are still scanned.
      // A timer and a controller of our own: an AbortSignal.timeout() that nothing references
      // strongly may be garbage-collected before it fires (and the scan would wait for ever).
      const deadline = new AbortController()
      const timer = setTimeout(
        () => deadline.abort(new Error(`still loading after ${this.#loadTimeoutMs} ms`)),
        this.#loadTimeoutMs,
      )
      const onStop = () => deadline.abort(this.#stopping.signal.reason)
      this.#stopping.signal.addEventListener('abort', onStop, { once: true })
      const seen = { hash: '' }
      try {
        await within(this.#scanFile(file, path, source, deadline.signal, seen), deadline.signal)
      } catch (err) {
        if (this.#stopped) return
        // as for a broken file: the old version goes, and the file is retried once it changes
        const routeId = this.#files.get(file)?.routeId
        if (routeId !== undefined) this.undeploy(routeId)
        this.#files.set(file, { hash: seen.hash, routeId: undefined })
        this.#logger.error(
          { source, timeoutMs: this.#loadTimeoutMs, err },
          'route not loaded: still loading at the deadline',
        )
      } finally {
        clearTimeout(timer)
        this.#stopping.signal.removeEventListener('abort', onStop)
      }
    }
  }

  async #scanFile(
    file: string,
    path: string,
    source: string,
    signal: AbortSignal,
    seen: { hash: string },
  ): Promise<void> {
    let text: string
    try {
      text = await readFile(path, { encoding: 'utf8', signal })
    } catch (err) {
      if (signal.aborted) throw err
      return // removed while scanning: the next scan sees it gone
    }
    const hash = createHash('sha1').update(text).digest('hex')
    seen.hash = hash
    const previous = this.#files.get(file)
    if (previous?.hash === hash) return
    let json: unknown
    let id = basename(file, '.json')
    try {
      json = ConfigError.parseJson(text, source)
      if (typeof (json as { _id?: unknown })?._id === 'string') id = (json as { _id: string })._id
    } catch (err) {
      if (previous?.routeId !== undefined) this.undeploy(previous.routeId)
      this.#files.set(file, { hash, routeId: undefined })
      this.#logger.error(
        { source, errors: [describe(err as ConfigError)] },
        'route not loaded: invalid JSON',
      )
      return
    }
    if (previous?.routeId !== undefined && previous.routeId !== id) this.undeploy(previous.routeId)
    try {
      await this.deploy(id, json, source, { signal })
      this.#files.set(file, { hash, routeId: id })
    } catch (err) {
      if (signal.aborted) throw err
      this.#files.set(file, { hash, routeId: undefined })
      if (err instanceof ConfigErrors || err instanceof ConfigError) {
        const errors = err instanceof ConfigErrors ? err.errors : [err]
        this.#logger.error({ source, errors: errors.map(describe) }, 'route not loaded')
      } else this.#logger.error({ source, err }, 'route not loaded')
    }
  }

  /** Stops scanning and destroys every route. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    this.#stopping.abort(new Error('router stopped'))
    await this.#scanning
    const routes = this.#routes
    this.#routes = []
    await Promise.all(routes.map((r) => r.destroy()))
  }
}

/** A configuration error as a log pipeline reads it: the file, the JSON pointer, the object. */
function describe(error: ConfigError): Record<string, unknown> {
  return {
    source: error.source,
    pointer: error.pointer,
    ...(error.object ? { object: error.object } : {}),
    ...(error.column !== undefined ? { line: error.line, column: error.column } : {}),
    reason: error.reason,
  }
}

/** Settles with `work`, or rejects when `signal` aborts first (the work goes on, unobserved). */
function within<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

const RouterConfig = Type.Object(
  {
    defaultHandler: Type.Optional(
      Ref(Kinds.Handler, { description: 'Handler for requests that no route accepts.' }),
    ),
    directory: Type.Optional(
      Type.String({
        description: 'Directory of route files; default ${openig.configDirectory}/routes.',
      }),
    ),
    scanInterval: Type.Union([Type.Integer({ minimum: 0 }), Type.String()], {
      default: '10 seconds',
      description:
        'How often to rescan the directory (an integer is seconds; "disabled" loads once).',
    }),
    loadTimeout: Duration({
      default: '30 seconds',
      description:
        'Postern: how long one route file may take to load before the scan reports it and goes on.',
    }),
    delayRouteMetrics: Type.Boolean({
      default: false,
      description: 'Create route metrics on first use.',
    }),
  },
  { additionalProperties: false },
)

/** Router (alias RouterHandler). */
export const router = heaplet({
  schema: RouterConfig,
  description: 'Loads routes from a directory and dispatches to the first whose condition holds.',
  create: async (config, env) => {
    const scanIntervalMs =
      typeof config.scanInterval === 'number'
        ? config.scanInterval * 1000
        : parseDuration(config.scanInterval)
    const instance = env.instance
    const directory = config.directory ?? join(instance?.configDirectory ?? process.cwd(), 'routes')
    const instanceDir = instance?.instanceDirectory
    const routerLogger = env.logger
    const handler = new Router({
      directory,
      scanIntervalMs,
      loadTimeoutMs: config.loadTimeout,
      // route heaps hang below an empty heap of the router's level: lookups pass through to it
      parent: env.heap.child({ source: env.source, logger: env.logger }),
      logger: routerLogger,
      name: env.name,
      ...(config.defaultHandler ? { defaultHandler: config.defaultHandler } : {}),
      ...(instanceDir ? { instanceDir } : {}),
    })
    await handler.start()
    env.onDestroy(() => handler.stop())
    return handler
  },
})
