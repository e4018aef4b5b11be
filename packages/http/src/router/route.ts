import {
  Kinds,
  chainOf,
  channels,
  ConfigError,
  ConfigErrors,
  Expression,
  ExpressionSyntaxError,
  loadDocument,
  requestBindings,
  Response,
  SessionContext,
  type Bindings,
  type Context,
  type Handler,
  type Heap,
  type Logger,
  type Request,
  type RouteRequestMessage,
  type SessionManager,
} from '@postern/core'

/** Top-level route attributes that are not decorations of the route's handler. */
const ROUTE_ATTRIBUTES = new Set([
  'handler',
  'heap',
  'condition',
  'name',
  'session',
  'auditService',
  'globalDecorators',
  'properties',
  '_id',
  'monitor',
  'comment',
  '$schema',
])

/** A loaded route: its heap, condition and (decorated) handler. */
export class Route implements Handler {
  readonly id: string
  readonly name: string
  readonly source: string
  readonly config: Record<string, unknown>
  readonly heap: Heap
  readonly condition: Expression<boolean> | undefined
  readonly #handler: Handler
  readonly #session: SessionManager | undefined
  readonly #bindings: Bindings
  readonly #router: string
  readonly #gateway: string
  #inFlight = 0
  #retired = false
  #destroyed: Promise<void> | undefined

  constructor(init: {
    id: string
    name: string
    source: string
    config: Record<string, unknown>
    heap: Heap
    condition: Expression<boolean> | undefined
    handler: Handler
    session: SessionManager | undefined
    router?: string
  }) {
    this.id = init.id
    this.name = init.name
    this.source = init.source
    this.config = init.config
    this.heap = init.heap
    this.condition = init.condition
    this.#handler = init.handler
    this.#session = init.session
    this.#bindings = init.heap.bindings
    this.#router = init.router ?? '_router'
    this.#gateway = init.heap.instance?.gatewayId ?? ''
  }

  /** Whether the route's condition holds (no condition: always). */
  async accepts(context: Context, request: Request): Promise<boolean> {
    if (!this.condition) return true
    const scope = requestBindings(this.#bindings, context, request)
    return (
      (this.condition.readsEntity
        ? await this.condition.evaluate(scope)
        : this.condition.eval(scope)) === true
    )
  }

  async handle(context: Context, request: Request): Promise<Response> {
    if (channels.routeRequestStart.hasSubscribers || channels.routeRequestFinish.hasSubscribers)
      return this.#observed(context, request)
    return this.#handle(context, request)
  }

  async #observed(context: Context, request: Request): Promise<Response> {
    const message: RouteRequestMessage = {
      gateway: this.#gateway,
      router: this.#router,
      route: this.name,
      routeId: this.id,
      context,
      startNs: process.hrtime.bigint(),
    }
    channels.routeRequestStart.publish(message)
    try {
      const response = await this.#handle(message.context, request)
      message.status = response.status.code
      return response
    } catch (err) {
      message.error = err
      throw err
    } finally {
      channels.routeRequestFinish.publish(message)
    }
  }

  async #handle(context: Context, request: Request): Promise<Response> {
    this.#inFlight++
    try {
      if (!this.#session) return await this.#handler.handle(context, request)
      const session = await this.#session.load(request)
      const response = await this.#handler.handle(new SessionContext(context, session), request)
      await session.save(response)
      return response
    } finally {
      if (--this.#inFlight === 0 && this.#retired) void this.destroy()
    }
  }

  /** Takes the route out of service: its heap is destroyed once in-flight requests are done. */
  retire(): void {
    this.#retired = true
    if (this.#inFlight === 0) void this.destroy()
  }

  destroy(): Promise<void> {
    this.#destroyed ??= this.heap.destroy()
    return this.#destroyed
  }
}

function toConfigErrors(err: unknown): ConfigErrors {
  if (err instanceof ConfigErrors) return err
  if (err instanceof ConfigError) return new ConfigErrors([err])
  throw err
}

function routeName(config: Record<string, unknown>, id: string): string {
  return typeof config.name === 'string' && config.name !== '' ? config.name : id
}

export interface LoadRouteOptions {
  id: string
  /** Instance-relative file name (or `api:<id>` for routes deployed through the REST API). */
  source: string
  json: unknown
  parent: Heap
  logger: Logger
  /** Heap name of the router deploying the route (diagnostics messages). */
  router?: string
}

/**
 * Builds a route from its JSON: tokens and transformations, properties, heap, handler and its
 * decorations, condition, session. Every problem is a ConfigError naming the file and pointer.
 */
export async function loadRoute({
  id,
  source,
  json,
  parent,
  logger,
  router,
}: LoadRouteOptions): Promise<Route> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigErrors([new ConfigError(source, '', 'a route must be a JSON object')])
  }
  let heap: Heap | undefined
  try {
    const loaded = loadDocument({
      source,
      json,
      parent,
      logger: (config) => logger.child({ route: routeName(config, id) }),
    })
    heap = loaded.heap
    const config = loaded.config
    const name = routeName(config, id)
    if (config.handler === undefined) throw new ConfigError(source, '/handler', 'is required')
    let handler = await heap.resolve(config.handler, '/handler', Kinds.Handler)
    const decorations: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(config))
      if (!ROUTE_ATTRIBUTES.has(key)) decorations[key] = value
    if (Object.keys(decorations).length > 0) {
      handler = (await heap.decorate(handler, decorations, {
        name,
        type: 'Route',
        source,
        pointer: '',
      })) as Handler
    }
    let condition: Expression<boolean> | undefined
    if (config.condition !== undefined) {
      if (typeof config.condition !== 'string' && typeof config.condition !== 'boolean') {
        throw new ConfigError(source, '/condition', 'must be a boolean expression')
      }
      try {
        condition = Expression.parse<boolean>(String(config.condition), {
          expectedType: 'boolean',
          functions: heap.functions,
        })
      } catch (err) {
        if (err instanceof ExpressionSyntaxError) {
          throw new ConfigError(
            source,
            '/condition',
            `expression syntax error at column ${err.column}: ${err.reason}`,
            undefined,
            { cause: err },
          )
        }
        throw err
      }
    }
    const session =
      config.session === undefined
        ? undefined
        : await heap.resolve(config.session, '/session', Kinds.SessionManager)
    // the route's audit service: its own, else the AuditService heap object (default: NoOp)
    const auditRef = config.auditService ?? (heap.has('AuditService') ? 'AuditService' : undefined)
    if (auditRef !== undefined) {
      const audit = await heap.resolve(auditRef, '/auditService', Kinds.AuditService)
      if (!audit.noop) handler = chainOf([audit.accessFilter({ id, name })], handler)
    }
    if (config.monitor !== undefined)
      heap.logger.warn({ source }, 'route property "monitor" is not supported and is ignored')
    await heap.createAll()
    return new Route({
      id,
      name,
      source,
      config: json as Record<string, unknown>,
      heap,
      condition,
      handler,
      session,
      ...(router ? { router } : {}),
    })
  } catch (err) {
    await heap?.destroy()
    throw toConfigErrors(err)
  }
}

export { Response }
