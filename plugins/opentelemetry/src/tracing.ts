import type { Channel } from 'node:diagnostics_channel'
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
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
} from '@opentelemetry/sdk-trace'
import {
  channels,
  Context,
  type ClientRequestMessage,
  type GatewayServices,
  type Heap,
  type Logger,
  type Response,
  type RouteRequestMessage,
  type ServerRequestMessage,
} from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { OtlpHttpSpanExporter } from './otlp-exporter.js'
import { tracingSettings, type TracingSettings } from './tracing-settings.js'

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
    const exporter = new OtlpHttpSpanExporter({ ...settings.exporter.config, logger })
    const { batch } = settings.exporter
    const processor = batch.enabled
      ? new BatchSpanProcessor({
          exporter,
          scheduledDelayMillis: batch.scheduleDelay,
          maxQueueSize: batch.maxQueueSize,
          maxExportBatchSize: Math.min(batch.maxBatchSize, batch.maxQueueSize),
          exportTimeoutMillis: batch.timeout,
        })
      : new SimpleSpanProcessor({ exporter })
    const limits = settings.spanLimits
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'PingGateway',
        'service.version': pkg.version,
        ...settings.resourceAttributes,
      }),
      sampler: samplerOf(settings.sampler),
      spanLimits: {
        attributeCountLimit: limits.maxNumberOfAttributes,
        attributeValueLengthLimit: limits.maxAttributeValueLength,
        eventCountLimit: limits.maxNumberOfEvents,
        linkCountLimit: limits.maxNumberOfLinks,
        attributePerEventCountLimit: limits.maxNumberOfAttributesPerEvent,
        attributePerLinkCountLimit: limits.maxNumberOfAttributesPerLink,
      },
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

  /** Runs `call` in a span of its own, a child of the context's. */
  async traced(
    context: Context,
    name: string,
    attributes: Attributes,
    call: (context: Context) => Promise<Response>,
  ): Promise<Response> {
    const child = this.child(context, name, { attributes })
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
export async function startTracing(gateway: GatewayServices): Promise<GatewayTracing | undefined> {
  const settings = await tracingSettings(gateway.adminHeap, gateway.adminConfig)
  if (!settings.enabled) return undefined
  const tracing = new GatewayTracing(gateway.id, settings, gateway.logger.child({ tracing: true }))
  byHeap.set(rootOf(gateway.adminHeap), tracing)
  byHeap.set(rootOf(gateway.heap), tracing)
  gateway.logger.info(
    { endpoint: settings.exporter.config.endpoint, sampler: settings.sampler.type },
    'OpenTelemetry tracing enabled',
  )
  return tracing
}

/** The tracing of the gateway a heap belongs to; undefined until it starts, or when it is off. */
export function tracingOf(heap: Heap): GatewayTracing | undefined {
  return byHeap.get(rootOf(heap))
}
