import { channel, type Channel } from 'node:diagnostics_channel'
import type { Context } from './context/context.js'
import type { Request } from './messages/request.js'

/**
 * Diagnostics channels the gateway publishes on (node:diagnostics_channel), for metrics, tracing
 * and audit without coupling: publishers check `hasSubscribers` first, so they cost nothing unless
 * a plugin listens. The same message object goes out at start and at finish, finish fields filled.
 * The start messages of the server, route and client channels carry the request's `context`;
 * a start subscriber may replace it with a context on top of it (a tracing span), which the
 * request, route or call then goes on with.
 */
export const CHANNEL_SERVER_REQUEST_START = 'postern:server:request:start'
export const CHANNEL_SERVER_REQUEST_FINISH = 'postern:server:request:finish'
export const CHANNEL_SERVER_CONNECTION = 'postern:server:connection'
export const CHANNEL_ROUTE_REQUEST_START = 'postern:route:request:start'
export const CHANNEL_ROUTE_REQUEST_FINISH = 'postern:route:request:finish'
export const CHANNEL_ROUTER_ROUTES = 'postern:router:routes'
export const CHANNEL_CLIENT_REQUEST_START = 'postern:client:request:start'
export const CHANNEL_CLIENT_REQUEST_FINISH = 'postern:client:request:finish'
export const CHANNEL_TIMER = 'postern:timer'

export interface ServerRequestMessage {
  gateway: string
  /** `host:port` of the connector that took the request. */
  local: string
  method: string
  /** The request target as received (`/path?query`). */
  target: string
  /** `http` or `https`. */
  scheme: string
  /** The request headers as Node received them (lower-case names). */
  headers: Readonly<Record<string, string | string[] | undefined>>
  /** The root context (start); absent for a request refused as malformed. Replaceable. */
  context?: Context
  /** process.hrtime.bigint() when the request arrived. */
  startNs: bigint
  /** The status written (finish). */
  status?: number
  /** Body bytes read from the client (finish). */
  requestBytes?: number
  /** Body bytes written to the client (finish). */
  responseBytes?: number
  /** The client closed the connection before the response ended (finish). */
  reset?: boolean
}

export interface ServerConnectionMessage {
  gateway: string
  local: string
  open: boolean
  websocket?: boolean
}

export interface RouteRequestMessage {
  gateway: string
  /** Heap name of the router, `_router` for the top one. */
  router: string
  /** The route's name. */
  route: string
  routeId: string
  /** The context the route handles the request with (start). Replaceable. */
  context: Context
  startNs: bigint
  status?: number
  /** The route's handler threw (finish). */
  error?: unknown
}

export interface RouterRoutesMessage {
  gateway: string
  router: string
  /** Routes deployed after the change. */
  routes: number
}

export interface ClientRequestMessage {
  gateway?: string
  /** Heap name of the ClientHandler / ReverseProxyHandler. */
  handler: string
  /** Origin of the upstream, `http://host:port`. */
  remote: string
  method: string
  /** The request about to be sent: start subscribers may add headers (trace context). */
  request: Request
  /** The context of the call. */
  context: Context
  startNs: bigint
  status?: number
  error?: unknown
  requestBytes?: number
  responseBytes?: number
}

/** A call of an object decorated with `"timer": true`, when it ends. */
export interface TimerMessage {
  gateway?: string
  /** Heap name of the TimerDecorator (`timer`). */
  decorator: string
  /** Name of the decorated object (for a route's handler, the route's name). */
  object: string
  /** The heap the decorated object is in: `gateway` (config.json), `admin`, or the route's id. */
  heap: string
  kind: 'handler' | 'filter'
  /** Time in the handler, or in the filter and everything after it. */
  elapsedMs: number
  /** Filters: time in the filter itself (elapsed less downstream). */
  internalMs?: number
  /** Filters: time in the filters and handler after it. */
  downstreamMs?: number
}

export const channels = {
  serverRequestStart: channel(CHANNEL_SERVER_REQUEST_START) as Channel,
  serverRequestFinish: channel(CHANNEL_SERVER_REQUEST_FINISH) as Channel,
  serverConnection: channel(CHANNEL_SERVER_CONNECTION) as Channel,
  routeRequestStart: channel(CHANNEL_ROUTE_REQUEST_START) as Channel,
  routeRequestFinish: channel(CHANNEL_ROUTE_REQUEST_FINISH) as Channel,
  routerRoutes: channel(CHANNEL_ROUTER_ROUTES) as Channel,
  clientRequestStart: channel(CHANNEL_CLIENT_REQUEST_START) as Channel,
  clientRequestFinish: channel(CHANNEL_CLIENT_REQUEST_FINISH) as Channel,
  timer: channel(CHANNEL_TIMER) as Channel,
}
