import { AttributesContext, type Context } from './context/context.js'
import { SessionContext } from './context/session-context.js'
import type { Request } from './messages/request.js'
import type { Response } from './messages/response.js'

/** The variables an expression sees. */
export type Bindings = Record<string, unknown>

/** What IG calls `openig`: the instance's directories. */
export interface InstanceInfo {
  /** ig.instance.dir */
  instanceDirectory: string
  configDirectory: string
  temporaryDirectory: string
  /** The gateway's id (GatewayServices.id), matching diagnostics-channel messages to it. */
  gatewayId?: string
}

/**
 * The bindings of every expression that is not evaluated for a request: `system`, `env`,
 * `openig`, and route properties. Request bindings inherit them through the prototype chain.
 */
export function staticBindings(init: {
  system?: Record<string, string>
  env?: Record<string, string | undefined>
  openig?: InstanceInfo
  properties?: Record<string, unknown>
}): Bindings {
  const bindings: Bindings = Object.create(null)
  bindings.system = init.system ?? {}
  bindings.env = init.env ?? process.env
  if (init.openig) bindings.openig = init.openig
  if (init.properties) Object.assign(bindings, init.properties)
  return bindings
}

/**
 * The bindings for a request: `request`, `response`, `context`, `contexts`, `attributes`,
 * `session`, on top of `base` (system, env, properties...).
 */
export function requestBindings(
  base: Bindings,
  context: Context,
  request: Request,
  response?: Response | null,
): Bindings {
  const b: Bindings = Object.create(base)
  b.context = context
  b.contexts = context.contexts
  b.request = request
  if (response) b.response = response
  b.attributes = context.as(AttributesContext)?.attributes ?? null
  b.session = context.as(SessionContext)?.session ?? null
  return b
}
