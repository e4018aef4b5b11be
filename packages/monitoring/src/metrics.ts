import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { FastCounter, FastGauge, FastSummary } from './fast-metrics.js'
import {
  CHANNEL_CLIENT_REQUEST_FINISH,
  CHANNEL_CLIENT_REQUEST_START,
  CHANNEL_ROUTE_REQUEST_FINISH,
  CHANNEL_ROUTE_REQUEST_START,
  CHANNEL_ROUTER_ROUTES,
  CHANNEL_SERVER_CONNECTION,
  CHANNEL_SERVER_REQUEST_FINISH,
  CHANNEL_SERVER_REQUEST_START,
  CHANNEL_TIMER,
  type ClientRequestMessage,
  type RouteRequestMessage,
  type RouterRoutesMessage,
  type ServerConnectionMessage,
  type ServerRequestMessage,
  type TimerMessage,
} from '@postern/core'

/** The quantiles IG's summaries report. */
export const QUANTILES = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999]

/** IG's status families (the Common REST names). */
export function familyOf(status: number): string {
  if (status >= 100 && status < 200) return 'informational'
  if (status >= 200 && status < 300) return 'successful'
  if (status >= 300 && status < 400) return 'redirection'
  if (status >= 400 && status < 500) return 'client_error'
  if (status >= 500 && status < 600) return 'server_error'
  return 'unknown'
}

type Observe = (value: number) => void

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9

/** A counter IG exposes twice: `<name>_total` and the deprecated `<name>`. */
class TwinCounter<L extends string> {
  readonly #total: FastCounter
  readonly #deprecated: FastCounter
  constructor(registry: Registry, name: string, help: string, labelNames: L[]) {
    this.#total = new FastCounter(registry, `${name}_total`, help, labelNames)
    this.#deprecated = new FastCounter(registry, name, `[Deprecated] ${help}`, labelNames)
  }
  bind(labels: Partial<Record<L, string>>): (value?: number) => void {
    const total = this.#total.bind(labels)
    const deprecated = this.#deprecated.bind(labels)
    return (value = 1) => {
      total(value)
      deprecated(value)
    }
  }
}

/**
 * Bound instruments by label values, made on first use: a request finds all of its series with
 * one key instead of one per metric.
 */
function memo<T>(make: (a: string, b: string, c: string, d: string) => T) {
  const made = new Map<string, T>()
  return (a: string, b = '', c = '', d = ''): T => {
    const key = `${a}\u0001${b}\u0001${c}\u0001${d}`
    let value = made.get(key)
    if (value === undefined) {
      value = make(a, b, c, d)
      made.set(key, value)
    }
    return value
  }
}

/**
 * The Prometheus metrics of one gateway, fed by the diagnostics channels it publishes on
 * (messages of other gateways in the process are ignored).
 */
export class GatewayMetrics {
  readonly registry = new Registry()
  readonly #gateway: string
  readonly #listeners: [string, (message: unknown) => void][] = []

  constructor(gateway: string, options: { processMetrics?: boolean } = {}) {
    this.#gateway = gateway
    const r = this.registry
    if (options.processMetrics !== false) collectDefaultMetrics({ register: r, prefix: 'ig_' })
    const summary = (name: string, help: string, labelNames: string[], quantiles = true) =>
      new FastSummary(r, name, help, labelNames, quantiles ? QUANTILES : [])
    const gauge = (name: string, help: string, labelNames: string[]) =>
      new FastGauge(r, name, help, labelNames)

    // server
    const activeConnections = gauge(
      'ig_http_server_active_connections',
      'Number of open connections to the server',
      ['local'],
    )
    const activeRequests = gauge(
      'ig_http_server_active_requests',
      'Number of requests being processed',
      ['local'],
    )
    const requests = new TwinCounter(r, 'ig_http_server_requests', 'Number of requests received', [
      'local',
      'method',
    ])
    const resets = new TwinCounter(
      r,
      'ig_http_server_request_resets',
      'Number of requests the client closed before the response ended',
      ['local', 'method'],
    )
    const bytesRead = new TwinCounter(
      r,
      'ig_http_server_bytes_read',
      'Bytes of request bodies read',
      ['local'],
    )
    const bytesWritten = new TwinCounter(
      r,
      'ig_http_server_bytes_written',
      'Bytes of responses written',
      ['local'],
    )
    const requestBytes = summary(
      'ig_http_server_request_bytes',
      'Size of requests in bytes',
      ['local', 'method'],
      false,
    )
    const responseBytes = summary(
      'ig_http_server_response_bytes',
      'Size of responses in bytes',
      ['code', 'local', 'method'],
      false,
    )
    const responseTime = summary(
      'ig_http_server_response_time_seconds',
      'Time to send the response',
      ['code', 'local', 'method'],
    )
    const connections = memo((local) => activeConnections.bind({ local }))
    this.#on(CHANNEL_SERVER_CONNECTION, (m: ServerConnectionMessage) =>
      connections(m.local)(m.open ? 1 : -1),
    )
    const server = memo((local, method) => ({
      active: activeRequests.bind({ local }),
      requests: requests.bind({ local, method }),
      resets: resets.bind({ local, method }),
      read: bytesRead.bind({ local }),
      written: bytesWritten.bind({ local }),
      requestBytes: requestBytes.bind({ local, method }),
    }))
    const serverResponse = memo((local, method, code) => ({
      responseBytes: responseBytes.bind({ code, local, method }),
      responseTime: responseTime.bind({ code, local, method }),
    }))
    this.#on(CHANNEL_SERVER_REQUEST_START, (m: ServerRequestMessage) => {
      const s = server(m.local, m.method)
      s.active(1)
      s.requests()
    })
    this.#on(CHANNEL_SERVER_REQUEST_FINISH, (m: ServerRequestMessage) => {
      const s = server(m.local, m.method)
      s.active(-1)
      if (m.reset) s.resets()
      s.read(m.requestBytes ?? 0)
      s.written(m.responseBytes ?? 0)
      s.requestBytes(m.requestBytes ?? 0)
      const r = serverResponse(m.local, m.method, String(m.status ?? 0))
      r.responseBytes(m.responseBytes ?? 0)
      r.responseTime(seconds(m.startNs))
    })

    // routes and routers
    const routeLabels = ['name', 'route', 'router']
    const routeActive = gauge(
      'ig_route_request_active',
      'Number of requests being processed',
      routeLabels,
    )
    const routeRequests = new FastCounter(
      r,
      'ig_route_request_total',
      'Number of requests processed by the router or route since it was deployed',
      routeLabels,
    )
    const routeErrors = new FastCounter(
      r,
      'ig_route_response_error_total',
      'Number of responses that threw an exception',
      routeLabels,
    )
    const routeNull = new FastCounter(
      r,
      'ig_route_response_null_total',
      'Number of responses that were not handled by the route',
      routeLabels,
    )
    const routeStatus = new FastCounter(
      r,
      'ig_route_response_status_total',
      'Number of responses by HTTP status code family',
      ['family', ...routeLabels],
    )
    const routeTime = summary(
      'ig_route_response_time_seconds',
      'Response time observations',
      routeLabels,
    )
    const deployed = gauge(
      'ig_router_deployed_routes',
      'Number of routes deployed in the configuration',
      ['fully_qualified_name', 'heap', 'name'],
    )
    const route = memo((name, router) => {
      const labels = { name, route: name, router }
      const families = new Map<string, (value?: number) => void>()
      return {
        active: routeActive.bind(labels),
        requests: routeRequests.bind(labels),
        errors: routeErrors.bind(labels),
        nulls: routeNull.bind(labels),
        time: routeTime.bind(labels),
        status(code: number) {
          const family = familyOf(code)
          let count = families.get(family)
          if (!count) {
            count = routeStatus.bind({ family, ...labels })
            families.set(family, count)
          }
          count()
        },
      }
    })
    this.#on(CHANNEL_ROUTE_REQUEST_START, (m: RouteRequestMessage) => {
      const s = route(m.route, m.router)
      s.active(1)
      s.requests()
    })
    this.#on(CHANNEL_ROUTE_REQUEST_FINISH, (m: RouteRequestMessage) => {
      const s = route(m.route, m.router)
      s.active(-1)
      if (m.error !== undefined) s.errors()
      else if (m.status === undefined) s.nulls()
      else s.status(m.status)
      s.time(seconds(m.startNs))
    })
    this.#on(CHANNEL_ROUTER_ROUTES, (m: RouterRoutesMessage) =>
      this.deployedRoutes(m.router, m.routes),
    )
    this.deployedRoutes = (router, count) =>
      deployed.set(
        { fully_qualified_name: `gateway.${router}`, heap: 'gateway', name: router },
        count,
      )

    // clients
    const clientLabels = ['local', 'method', 'remote']
    const clientActive = gauge(
      'ig_http_client_active_requests',
      'Number of requests being sent',
      clientLabels,
    )
    const clientRequests = new TwinCounter(
      r,
      'ig_http_client_requests',
      'Number of requests sent',
      clientLabels,
    )
    const clientResponses = new TwinCounter(
      r,
      'ig_http_client_responses',
      'Number of responses received',
      ['code', ...clientLabels],
    )
    const clientRequestBytes = summary(
      'ig_http_client_request_bytes',
      'Size of requests in bytes',
      clientLabels,
      false,
    )
    const clientResponseBytes = summary(
      'ig_http_client_response_bytes',
      'Size of responses in bytes',
      ['code', ...clientLabels],
      false,
    )
    const clientTime = summary(
      'ig_http_client_response_time_seconds',
      'Time to receive the response',
      ['code', ...clientLabels],
    )
    const client = memo((local, method, remote) => ({
      active: clientActive.bind({ local, method, remote }),
      requests: clientRequests.bind({ local, method, remote }),
      requestBytes: clientRequestBytes.bind({ local, method, remote }),
    }))
    const clientResponse = memo((local, method, remote, code) => ({
      responses: clientResponses.bind({ code, local, method, remote }),
      responseBytes: clientResponseBytes.bind({ code, local, method, remote }),
      time: clientTime.bind({ code, local, method, remote }),
    }))
    this.#on(
      CHANNEL_CLIENT_REQUEST_START,
      (m: ClientRequestMessage) => {
        const s = client(m.handler, m.method, m.remote)
        s.active(1)
        s.requests()
      },
      true,
    )
    this.#on(
      CHANNEL_CLIENT_REQUEST_FINISH,
      (m: ClientRequestMessage) => {
        const s = client(m.handler, m.method, m.remote)
        s.active(-1)
        if (m.requestBytes !== undefined) s.requestBytes(m.requestBytes)
        // a failed call (no response) is counted with code 0
        const r = clientResponse(m.handler, m.method, m.remote, String(m.status ?? 0))
        r.responses()
        if (m.responseBytes !== undefined) r.responseBytes(m.responseBytes)
        r.time(seconds(m.startNs))
      },
      true,
    )

    // objects decorated with "timer": true
    const timerLabels = ['decorated_object', 'heap', 'name']
    const timerHelp = 'Time to process the request and response in the decorated'
    const handlerElapsed = summary(
      'ig_timerdecorator_handler_elapsed_seconds',
      `${timerHelp} handler`,
      timerLabels,
    )
    const filterElapsed = summary(
      'ig_timerdecorator_filter_elapsed_seconds',
      `${timerHelp} filter (elapsed time)`,
      timerLabels,
    )
    const filterInternal = summary(
      'ig_timerdecorator_filter_internal_seconds',
      `${timerHelp} filter (internal time)`,
      timerLabels,
    )
    const filterDownstream = summary(
      'ig_timerdecorator_filter_downstream_seconds',
      `${timerHelp} filter (downstream time)`,
      timerLabels,
    )
    type Timed = { elapsed: Observe; internal?: Observe; downstream?: Observe }
    const timed = memo((kind, decorated_object, heap, name): Timed => {
      const labels = { decorated_object, heap, name }
      return kind === 'handler'
        ? { elapsed: handlerElapsed.bind(labels) }
        : {
            elapsed: filterElapsed.bind(labels),
            internal: filterInternal.bind(labels),
            downstream: filterDownstream.bind(labels),
          }
    })
    this.#on(CHANNEL_TIMER, (m: TimerMessage) => {
      const s = timed(m.kind, m.object, m.heap, m.decorator)
      s.elapsed(m.elapsedMs / 1000)
      if (m.internalMs !== undefined) s.internal?.(m.internalMs / 1000)
      if (m.downstreamMs !== undefined) s.downstream?.(m.downstreamMs / 1000)
    })
  }

  /** Sets ig_router_deployed_routes of a router (also fed by the channel). */
  deployedRoutes: (router: string, count: number) => void

  #on<M extends { gateway?: string | undefined }>(
    name: string,
    handle: (message: M) => void,
    anyGatewayWhenUnknown = false,
  ): void {
    const listener = (message: unknown) => {
      const m = message as M
      if (m.gateway === this.#gateway || (anyGatewayWhenUnknown && m.gateway === undefined))
        handle(m)
    }
    subscribe(name, listener)
    this.#listeners.push([name, listener])
  }

  /** Stops listening. */
  close(): void {
    for (const [name, listener] of this.#listeners.splice(0)) unsubscribe(name, listener)
    this.registry.clear()
  }
}
