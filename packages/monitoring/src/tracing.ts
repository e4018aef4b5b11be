import type { Channel } from 'node:diagnostics_channel'
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context as OtelContext,
  type Span,
  type Tracer,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanLimits,
} from '@opentelemetry/sdk-trace'
import {
  channels,
  ConfigError,
  Context,
  heaplet,
  isFilter,
  isHandler,
  parseDuration,
  Type,
  type ClientRequestMessage,
  type DecorationContext,
  type Decorator,
  type Filter,
  type GatewayServices,
  type Handler,
  type Heap,
  type Logger,
  type Request,
  type Response,
  type RouteRequestMessage,
  type ServerRequestMessage,
} from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { OtlpHttpSpanExporter, type OtlpExporterOptions } from './otlp-exporter.js'

const SOURCE = 'config/admin.json'
const POINTER = '/openTelemetry/tracing'

/** admin.json `openTelemetry.tracing`, read with IG's defaults. */
export interface TracingSettings {
  readonly enabled: boolean
  readonly resourceAttributes: Readonly<Record<string, string | number | boolean>>
  readonly exporter: Omit<OtlpExporterOptions, 'logger'>
  readonly batch: {
    readonly enabled: boolean
    readonly scheduleDelay: number
    readonly maxQueueSize: number
    readonly maxBatchSize: number
    readonly timeout: number
    readonly exportUnsampledSpans: boolean
  }
  readonly sampler: { readonly type: string; readonly ratio: number }
  readonly spanLimits: SpanLimits
}

const SAMPLERS = [
  'alwaysOn',
  'alwaysOff',
  'ratio',
  'parentBasedAlwaysOn',
  'parentBasedAlwaysOff',
  'parentBasedRatio',
]

/** A reader of one admin.json object: each wrong value is a ConfigError with its pointer. */
function reader(value: unknown, pointer: string) {
  const object = value === undefined || value === null ? {} : (value as Record<string, unknown>)
  if (typeof object !== 'object' || Array.isArray(object))
    throw new ConfigError(SOURCE, pointer, 'must be an object')
  const fail = (key: string, reason: string): never => {
    throw new ConfigError(SOURCE, `${pointer}/${key}`, reason)
  }
  return {
    object: (key: string) => reader(object[key], `${pointer}/${key}`),
    raw: (key: string) => object[key],
    boolean(key: string, fallback: boolean): boolean {
      const v = object[key]
      if (v === undefined) return fallback
      if (typeof v === 'boolean') return v
      if (v === 'true' || v === 'false') return v === 'true'
      return fail(key, 'must be a boolean')
    },
    number(key: string, fallback: number, min = 0): number {
      const v = object[key]
      if (v === undefined) return fallback
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
      if (typeof n !== 'number' || !Number.isFinite(n) || n < min)
        return fail(key, `must be a number of at least ${min}`)
      return n
    },
    duration(key: string, fallback: string): number {
      const v = object[key] ?? fallback
      if (typeof v !== 'string') return fail(key, 'must be a duration such as "10 seconds"')
      try {
        const ms = parseDuration(v)
        if (!Number.isFinite(ms) || ms <= 0)
          return fail(key, 'must be a positive, limited duration')
        return ms
      } catch (err) {
        return fail(key, (err as Error).message)
      }
    },
    string(key: string, fallback: string): string {
      const v = object[key]
      if (v === undefined) return fallback
      if (typeof v !== 'string' || v === '') return fail(key, 'must be a non-empty string')
      return v
    },
    map<T>(key: string, check: (v: unknown) => v is T, expected: string): Record<string, T> {
      const v = object[key]
      if (v === undefined) return {}
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return fail(key, 'must be an object')
      for (const [name, item] of Object.entries(v))
        if (!check(item)) fail(`${key}/${name}`, `must be ${expected}`)
      return v as Record<string, T>
    },
  }
}

/** Reads admin.json `openTelemetry.tracing` (absent: disabled). */
export function tracingSettings(adminConfig: Readonly<Record<string, unknown>>): TracingSettings {
  const tracing = reader(adminConfig.openTelemetry, '/openTelemetry').object('tracing')
  const exporter = tracing.object('exporter')
  const type = exporter.string('type', 'otlp')
  if (type.toLowerCase() !== 'otlp')
    throw new ConfigError(SOURCE, `${POINTER}/exporter/type`, 'must be otlp, the only exporter')
  const config = exporter.object('config')
  const retries = config.object('retries')
  const batch = exporter.object('batch')
  const sampler = tracing.object('sampler')
  const samplerType = sampler.string('type', 'alwaysOn')
  if (!SAMPLERS.includes(samplerType))
    throw new ConfigError(
      SOURCE,
      `${POINTER}/sampler/type`,
      `must be one of ${SAMPLERS.join(', ')}`,
    )
  const ratio = sampler.number('ratio', 50)
  if (ratio > 100)
    throw new ConfigError(SOURCE, `${POINTER}/sampler/ratio`, 'is a percentage: at most 100')
  const limits = tracing.object('spanLimits')
  const endpoint = config.string('endpoint', 'http://localhost:4318/v1/traces')
  try {
    const url = new URL(endpoint)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(url.protocol)
  } catch {
    throw new ConfigError(SOURCE, `${POINTER}/exporter/config/endpoint`, 'must be an http(s) URL')
  }
  return {
    enabled: tracing.boolean('enabled', false),
    resourceAttributes: tracing.map(
      'resourceAttributes',
      (v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v),
      'a string, number or boolean',
    ),
    exporter: {
      endpoint,
      connectionTimeout: config.duration('connectionTimeout', '10 seconds'),
      headers: config.map('headers', (v): v is string => typeof v === 'string', 'a string'),
      retries: {
        enabled: retries.boolean('enabled', true),
        maxAttempts: retries.number('maxAttempts', 5, 1),
        initialBackoff: retries.duration('initialBackoff', '1 second'),
        maxBackoff: retries.duration('maxBackoff', '5 seconds'),
        backoffMultiplier: retries.number('backoffMultiplier', 1.5, 1),
      },
      timeout: config.duration('timeout', '10 seconds'),
    },
    batch: {
      enabled: batch.boolean('enabled', true),
      scheduleDelay: batch.duration('scheduleDelay', '50 seconds'),
      maxQueueSize: batch.number('maxQueueSize', 1024, 1),
      maxBatchSize: batch.number('maxBatchSize', 256, 1),
      timeout: batch.duration('timeout', '10 seconds'),
      exportUnsampledSpans: batch.boolean('exportUnsampledSpans', false),
    },
    sampler: { type: samplerType, ratio },
    spanLimits: {
      attributeCountLimit: limits.number('maxNumberOfAttributes', 256),
      attributeValueLengthLimit: limits.number('maxAttributeValueLength', 256),
      eventCountLimit: limits.number('maxNumberOfEvents', 256),
      linkCountLimit: limits.number('maxNumberOfLinks', 256),
      attributePerEventCountLimit: limits.number('maxNumberOfAttributesPerEvent', 256),
      attributePerLinkCountLimit: limits.number('maxNumberOfAttributesPerLink', 256),
    },
  }
}

function samplerOf({ type, ratio }: TracingSettings['sampler']): Sampler {
  const byRatio = () => new TraceIdRatioBasedSampler(ratio / 100)
  switch (type) {
    case 'alwaysOff':
      return new AlwaysOffSampler()
    case 'ratio':
      return byRatio()
    case 'parentBasedAlwaysOn':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
    case 'parentBasedAlwaysOff':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case 'parentBasedRatio':
      return new ParentBasedSampler({ root: byRatio() })
    default:
      return new AlwaysOnSampler()
  }
}

const propagator = new W3CTraceContextPropagator()

/** Tracing of one gateway, when admin.json enables it. */
const byHeap = new WeakMap<Heap, GatewayTracing>()

/**
 * The span a request is in, carried in its context chain: `contexts.tracing.traceId` and
 * `spanId` (hex) can be read by expressions, to log or forward them.
 */
export class TracingContext extends Context {
  readonly name = 'tracing'
  /** The OpenTelemetry context holding the span. */
  readonly otel: OtelContext
  constructor(parent: Context, otel: OtelContext) {
    super(parent)
    this.otel = otel
  }
  get traceId(): string {
    return trace.getSpanContext(this.otel)?.traceId ?? ''
  }
  get spanId(): string {
    return trace.getSpanContext(this.otel)?.spanId ?? ''
  }
  /** Whether the span is recorded and exported. */
  get sampled(): boolean {
    return ((trace.getSpanContext(this.otel)?.traceFlags ?? 0) & 1) === 1
  }
}

/** The OpenTelemetry context of the span a request is in (root outside any span). */
export function otelContextOf(context: Context | undefined): OtelContext {
  return context?.as(TracingContext)?.otel ?? ROOT_CONTEXT
}

/**
 * The tracer of a gateway and the spans of its requests: a server span per request (continuing
 * an incoming `traceparent`), a span per route, per decorated object, and per upstream call (whose
 * `traceparent` the upstream receives). The current span travels in the request's context chain
 * (TracingContext), put there by the start subscribers of the server and route channels.
 */
export class GatewayTracing {
  readonly tracer: Tracer
  readonly #provider: TracerProvider
  readonly #gateway: string
  readonly #spans = new WeakMap<object, Span>()
  readonly #unsubscribe: (() => void)[] = []

  constructor(gateway: string, settings: TracingSettings, logger: Logger) {
    this.#gateway = gateway
    const exporter = new OtlpHttpSpanExporter({ ...settings.exporter, logger })
    const { batch } = settings
    const processor = batch.enabled
      ? new BatchSpanProcessor({
          exporter,
          scheduledDelayMillis: batch.scheduleDelay,
          maxQueueSize: batch.maxQueueSize,
          maxExportBatchSize: Math.min(batch.maxBatchSize, batch.maxQueueSize),
          exportTimeoutMillis: batch.timeout,
        })
      : new SimpleSpanProcessor({ exporter })
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'PingGateway',
        'service.version': pkg.version,
        ...settings.resourceAttributes,
      }),
      sampler: samplerOf(settings.sampler),
      spanLimits: settings.spanLimits,
      spanProcessors: [processor],
    })
    this.tracer = this.#provider.getTracer(pkg.name, pkg.version)
    this.#listen()
  }

  /** Starts a span, a child of the context's; returns it with the context to go on with. */
  child(
    context: Context,
    name: string,
    options: Parameters<Tracer['startSpan']>[1],
  ): { span: Span; context: TracingContext } {
    const parent = otelContextOf(context)
    const span = this.tracer.startSpan(name, options, parent)
    return { span, context: new TracingContext(context, trace.setSpan(parent, span)) }
  }

  #listen(): void {
    const onServerStart = (data: unknown) => {
      const message = data as ServerRequestMessage
      if (message.gateway !== this.#gateway || !message.context) return
      const parent = propagator.extract(ROOT_CONTEXT, message.headers, defaultTextMapGetter)
      const span = this.tracer.startSpan(
        message.method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': message.method,
            'url.path': message.target.split('?', 1)[0]!,
            'url.scheme': message.scheme,
            'server.address': message.local,
          },
        },
        parent,
      )
      this.#spans.set(message, span)
      message.context = new TracingContext(message.context, trace.setSpan(parent, span))
    }
    const onServerFinish = (data: unknown) => {
      const message = data as ServerRequestMessage
      const span = this.#spans.get(message)
      if (!span) return
      const status = message.status ?? 0
      span.setAttribute('http.response.status_code', status)
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      if (message.reset) span.setAttribute('ig.client.reset', true)
      span.end()
    }
    const onRouteStart = (data: unknown) => {
      const message = data as RouteRequestMessage
      if (message.gateway !== this.#gateway) return
      const { span, context } = this.child(message.context, `route ${message.route}`, {
        attributes: { 'ig.route.name': message.route, 'ig.route.id': message.routeId },
      })
      this.#spans.set(message, span)
      message.context = context
    }
    const onRouteFinish = (data: unknown) => {
      const message = data as RouteRequestMessage
      const span = this.#spans.get(message)
      if (!span) return
      if (message.status !== undefined)
        span.setAttribute('http.response.status_code', message.status)
      if (message.error !== undefined) {
        span.recordException(message.error as Error)
        span.setStatus({ code: SpanStatusCode.ERROR })
      }
      span.end()
    }
    const onClientStart = (data: unknown) => {
      const message = data as ClientRequestMessage
      if (message.gateway !== undefined && message.gateway !== this.#gateway) return
      // a call outside any request of this gateway (a heap object's own) starts a trace
      const request = message.request
      const { span, context } = this.child(message.context, message.method, {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': message.method,
          'url.full': request.uri.toString(),
          'server.address': request.uri.host ?? '',
          'ig.client.handler': message.handler,
        },
      })
      this.#spans.set(message, span)
      const carrier: Record<string, string> = {}
      propagator.inject(context.otel, carrier, defaultTextMapSetter)
      for (const [name, value] of Object.entries(carrier)) request.headers.set(name, value)
    }
    const onClientFinish = (data: unknown) => {
      const message = data as ClientRequestMessage
      const span = this.#spans.get(message)
      if (!span) return
      if (message.status !== undefined) {
        span.setAttribute('http.response.status_code', message.status)
        if (message.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR })
      }
      if (message.error !== undefined) {
        span.recordException(message.error as Error)
        span.setStatus({ code: SpanStatusCode.ERROR, message: (message.error as Error).message })
      }
      span.end()
    }
    const listeners: [Channel, (message: unknown) => void][] = [
      [channels.serverRequestStart, onServerStart],
      [channels.serverRequestFinish, onServerFinish],
      [channels.routeRequestStart, onRouteStart],
      [channels.routeRequestFinish, onRouteFinish],
      [channels.clientRequestStart, onClientStart],
      [channels.clientRequestFinish, onClientFinish],
    ]
    for (const [channel, listener] of listeners) {
      channel.subscribe(listener)
      this.#unsubscribe.push(() => channel.unsubscribe(listener))
    }
  }

  /** Stops listening and exports the spans still waiting. */
  async close(): Promise<void> {
    for (const undo of this.#unsubscribe.splice(0)) undo()
    await this.#provider.shutdown()
  }
}

function rootOf(heap: Heap): Heap {
  let root = heap
  while (root.parent) root = root.parent
  return root
}

/** Starts the gateway's tracing if admin.json enables it. */
export function startTracing(gateway: GatewayServices): GatewayTracing | undefined {
  const settings = tracingSettings(gateway.adminConfig)
  if (!settings.enabled) return undefined
  const tracing = new GatewayTracing(gateway.id, settings, gateway.logger.child({ tracing: true }))
  byHeap.set(rootOf(gateway.adminHeap), tracing)
  byHeap.set(rootOf(gateway.heap), tracing)
  gateway.logger.info(
    { endpoint: settings.exporter.endpoint, sampler: settings.sampler.type },
    'OpenTelemetry tracing enabled',
  )
  return tracing
}

/**
 * TracingDecorator: `"tracing": true` on a filter or handler gives it a span of its own, a child of
 * the span the request is in. Nothing is recorded when admin.json does not enable tracing.
 */
export class TracingDecorator implements Decorator {
  decorate(object: unknown, config: unknown, at: DecorationContext): unknown {
    if (config !== true && config !== 'true') return object
    let tracing: GatewayTracing | null | undefined
    // the gateway's tracing starts after configuration is read: found on first use
    const tracingOf = () => (tracing ??= byHeap.get(rootOf(at.heap)) ?? null)
    const attributes = { 'ig.object.name': at.name, 'ig.object.type': at.type }
    const traced = async (context: Context, call: (context: Context) => Promise<Response>) => {
      const t = tracingOf()
      if (!t) return call(context)
      const child = t.child(context, at.name, { attributes })
      try {
        const response = await call(child.context)
        child.span.setAttribute('http.response.status_code', response.status.code)
        return response
      } catch (err) {
        child.span.recordException(err as Error)
        child.span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message })
        throw err
      } finally {
        child.span.end()
      }
    }
    if (isFilter(object)) {
      const filter = object as Filter
      return {
        filter: (context: Context, request: Request, next: Handler) =>
          traced(context, (c) => filter.filter(c, request, next)),
      } satisfies Filter
    }
    if (isHandler(object)) {
      const handler = object as Handler
      return {
        handle: (context: Context, request: Request) =>
          traced(context, (c) => handler.handle(c, request)),
      } satisfies Handler
    }
    return object
  }
}

export const tracingDecorator = heaplet({
  schema: Type.Object({}, { additionalProperties: false }),
  description: 'Creates OpenTelemetry spans for the filters and handlers it decorates.',
  create: () => new TracingDecorator(),
})
