import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv04Module from 'ajv-draft-04'
import {
  referenceKind,
  ClientContext,
  heaplet,
  Raw,
  TransactionIdContext,
  Type,
  type AuditService,
  type Context,
  type Filter,
  type HeapletEnv,
  type Logger,
  type Request,
} from '@postern/core'

// CommonJS default export, seen from ESM
const Ajv04 = ((Ajv04Module as unknown as { default?: unknown }).default ??
  Ajv04Module) as unknown as typeof Ajv04Module.default

/** What an audit event handler (JsonAuditEventHandler, SyslogAuditEventHandler...) does. */
export interface AuditEventHandler {
  readonly name: string
  readonly topics: ReadonlySet<string>
  /** Takes an event; writing may be buffered. Never throws for I/O (it logs). */
  publish(topic: string, event: Record<string, unknown>): void | Promise<void>
  /** Writes what is buffered. */
  flush(): Promise<void>
  close(): Promise<void>
}

export function isAuditEventHandler(value: unknown): value is AuditEventHandler {
  const v = value as AuditEventHandler | null
  return (
    typeof v?.publish === 'function' && v.topics instanceof Set && typeof v.flush === 'function'
  )
}

/** A reference to an audit event handler (JsonAuditEventHandler, SyslogAuditEventHandler, ...). */
export const AuditEventHandlerKind = referenceKind('audit event handler', isAuditEventHandler)

/** Request headers an access event carries by default (IG's safelist, lower case). */
const SAFE_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'connection',
  'content-length',
  'content-type',
  'host',
  'origin',
  'referer',
  'user-agent',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
])

let sequence = 0

/** Applies the filter policies: excludeIf wins over includeIf; pointers start with `/<topic>`. */
function applyPolicies(
  topic: string,
  event: Record<string, unknown>,
  exclude: string[],
): Record<string, unknown> {
  const remove = (pointer: string) => {
    const parts = pointer.split('/').slice(2) // '' and the topic
    let target: unknown = event
    for (const part of parts.slice(0, -1)) {
      if (typeof target !== 'object' || target === null) return
      target = matchKey(target as Record<string, unknown>, part)
    }
    if (typeof target === 'object' && target !== null) {
      const key = Object.keys(target).find((k) => k.toLowerCase() === parts.at(-1)!.toLowerCase())
      if (key !== undefined) delete (target as Record<string, unknown>)[key]
    }
  }
  for (const pointer of exclude) if (pointer.startsWith(`/${topic}/`)) remove(pointer)
  return event
}

function matchKey(object: Record<string, unknown>, key: string): unknown {
  const found = Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase())
  return found === undefined ? undefined : object[found]
}

const AuditServiceConfig = Type.Object(
  {
    config: Type.Object(
      {
        handlerForQueries: Type.Optional(Type.String()),
        availableAuditEventHandlers: Type.Optional(Type.Array(Type.String())),
        caseInsensitiveFields: Type.Optional(Type.Array(Type.String())),
        filterPolicies: Type.Optional(
          Type.Object({
            field: Type.Optional(
              Type.Object({
                includeIf: Type.Array(Type.String(), { default: [] }),
                excludeIf: Type.Array(Type.String(), { default: [] }),
              }),
            ),
          }),
        ),
      },
      { default: {} },
    ),
    eventHandlers: Raw({ description: 'Audit event handler declarations ({class|type, config}).' }),
    topicsSchemasDirectory: Type.Optional(
      Type.String({
        description: 'JSON schemas of custom topics (default <instance>/audit-schemas).',
      }),
    ),
  },
  { additionalProperties: false },
)

/** Loads `<topic>.json` files (`{"schema": {...}}`, JSON Schema draft-04) of custom topics. */
function loadTopicSchemas(dir: string, env: HeapletEnv): Map<string, (event: unknown) => boolean> {
  const topics = new Map<string, (event: unknown) => boolean>()
  if (!existsSync(dir)) return topics
  const ajv = new Ajv04({ allErrors: true, strict: false })
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const topic = file.slice(0, -'.json'.length)
    try {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { schema?: unknown }
      const validate = ajv.compile((json.schema ?? json) as object)
      topics.set(topic, (event) => validate(event) === true)
    } catch (err) {
      throw env.configError(
        '/topicsSchemasDirectory',
        `${file}: not a valid topic schema: ${(err as Error).message}`,
      )
    }
  }
  return topics
}

/** The AuditService: builds access events for routes, publishes events to its handlers. */
export class DefaultAuditService implements AuditService {
  readonly #handlers: AuditEventHandler[]
  readonly #topics: Map<string, (event: unknown) => boolean>
  readonly #include: string[]
  readonly #exclude: string[]
  readonly #logger: Logger

  constructor(init: {
    handlers: AuditEventHandler[]
    topics: Map<string, (event: unknown) => boolean>
    include: string[]
    exclude: string[]
    logger: Logger
  }) {
    this.#handlers = init.handlers
    this.#topics = init.topics
    this.#include = init.include
    this.#exclude = init.exclude
    this.#logger = init.logger
  }

  async publish(topic: string, event: Record<string, unknown>): Promise<void> {
    if (topic !== 'access') {
      const validate = this.#topics.get(topic)
      if (!validate) {
        this.#logger.warn({ topic }, 'audit event of an unknown topic: dropped')
        return
      }
      if (!validate(event)) {
        this.#logger.warn({ topic }, 'audit event does not match its topic schema: dropped')
        return
      }
    }
    const filtered = applyPolicies(topic, structuredClone(event), this.#exclude)
    for (const handler of this.#handlers) {
      if (!handler.topics.has(topic)) continue
      try {
        await handler.publish(topic, filtered)
      } catch (err) {
        this.#logger.warn({ err, handler: handler.name }, 'audit event not published')
      }
    }
  }

  accessFilter(route: { id: string; name: string }): Filter {
    return {
      filter: async (context, request, next) => {
        const start = process.hrtime.bigint()
        const started = new Date()
        let status = 500
        let failed = true
        try {
          const response = await next.handle(context, request)
          status = response.status.code
          failed = status >= 500
          return response
        } finally {
          const elapsed = Number((process.hrtime.bigint() - start) / 1_000_000n)
          void this.publish(
            'access',
            this.#accessEvent(context, request, route, started, status, failed, elapsed),
          )
        }
      },
    }
  }

  #accessEvent(
    context: Context,
    request: Request,
    route: { id: string; name: string },
    started: Date,
    status: number,
    failed: boolean,
    elapsed: number,
  ): Record<string, unknown> {
    const client = context.as(ClientContext)
    const transactionId = context.as(TransactionIdContext)?.transactionId.value ?? randomUUID()
    // safelisted headers, and those includeIf names; query parameters only when included
    const included = (pointer: string) =>
      this.#include.some((p) => p.toLowerCase() === pointer.toLowerCase())
    const headers: Record<string, string[]> = {}
    for (const [name, values] of request.headers) {
      const lower = name.toLowerCase()
      if (SAFE_HEADERS.has(lower) || included(`/access/http/request/headers/${lower}`))
        headers[lower] = [...values]
    }
    const queryParameters: Record<string, string[]> = {}
    if (included('/access/http/request/queryParameters'))
      for (const [name, values] of request.queryParams) queryParameters[name] = [...values]
    const uri = request.uri
    const path = `${uri.scheme ?? 'http'}://${uri.authority ?? ''}${uri.rawPath || '/'}`
    return {
      _id: `${transactionId}-${sequence++}`,
      timestamp: started.toISOString(),
      eventName: 'OPENIG-HTTP-ACCESS',
      transactionId,
      client: client ? { ip: client.remoteAddress, port: client.remotePort } : {},
      server: client ? { ip: client.localAddress, port: client.localPort } : {},
      http: {
        request: {
          secure: uri.scheme === 'https',
          method: request.method,
          path,
          queryParameters,
          headers,
        },
      },
      request: { protocol: request.version ?? 'HTTP/1.1', operation: request.method },
      response: {
        status: failed ? 'FAILED' : 'SUCCESSFUL',
        statusCode: String(status),
        elapsedTime: elapsed,
        elapsedTimeUnits: 'MILLISECONDS',
      },
      ig: { routeId: route.id, routeName: route.name },
    }
  }

  async flush(): Promise<void> {
    await Promise.all(this.#handlers.map((h) => h.flush()))
  }
}

/** AuditService: `config`, `eventHandlers`, `topicsSchemasDirectory`. */
export const auditService = heaplet({
  schema: AuditServiceConfig,
  description: 'Sends access and custom audit events to its event handlers.',
  create: async (config, env) => {
    if (!Array.isArray(config.eventHandlers) || config.eventHandlers.length === 0)
      throw env.configError('/eventHandlers', 'must be a non-empty array of event handlers')
    const handlers: AuditEventHandler[] = []
    for (const [i, raw] of (config.eventHandlers as Record<string, unknown>[]).entries()) {
      const pointer = `/eventHandlers/${i}`
      if (typeof raw !== 'object' || raw === null)
        throw env.configError(pointer, 'must be an event handler declaration')
      // IG declares handlers by Java class: the simple name is the type
      const type =
        typeof raw.type === 'string'
          ? raw.type
          : typeof raw.class === 'string'
            ? raw.class.split('.').at(-1)!
            : undefined
      if (!type) throw env.configError(pointer, 'needs "class" or "type"')
      // the declaration's pointer in the file, so its config errors point at the handler's config
      const handler = await env.resolve(
        { type, config: raw.config ?? {} },
        `${env.pointer}/config${pointer}`,
        AuditEventHandlerKind,
      )
      handlers.push(handler)
    }
    const dir =
      config.topicsSchemasDirectory ??
      join(env.instance?.instanceDirectory ?? process.cwd(), 'audit-schemas')
    const service = new DefaultAuditService({
      handlers,
      topics: loadTopicSchemas(dir, env),
      include: config.config.filterPolicies?.field?.includeIf ?? [],
      exclude: config.config.filterPolicies?.field?.excludeIf ?? [],
      logger: env.logger,
    })
    // no event lost on a graceful stop: buffered events are written when the heap goes
    env.onDestroy(async () => {
      await service.flush()
      await Promise.all(handlers.map((h) => h.close()))
    })
    return service
  },
})
