import {
  ClientContext,
  Response,
  SessionContext,
  type Context,
  type Filter,
  type Handler,
  type Request,
  type SessionManager,
} from '@postern/core'
import type { AdminEndpoints } from './admin-endpoints.js'
import { isLoopback } from './http-adapter.js'
import { applyQueryStringPolicy } from './query-string.js'

/**
 * The default protection of the reserved endpoints: admin.json's apiProtectionFilter, else
 * loopback clients only, as IG allows.
 */
export function protect(filter: Filter | undefined, handler: Handler): Handler {
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

function withAdminPath(request: Request, prefix: string): Request {
  request.uri.rawPath = request.uri.rawPath.slice(prefix.length) || '/'
  return request
}

export interface EntryInit {
  admin: AdminEndpoints
  /** `/openig`, or `/` + admin.json's `prefix`. */
  prefix: string
  /** admin.json has an adminConnector: the reserved endpoints are served on its port only. */
  separatePort: boolean
  /** admin.json `preserveOriginalQueryString`. */
  preserveQuery: boolean
  adminSession: SessionManager
  configSession: SessionManager
  /** config.json's handler (`_router` by default). */
  handler: Handler
}

/** The entry of the connectors: the reserved endpoints under the prefix, else config.json's handler. */
export function gatewayEntry(init: EntryInit): Handler {
  const { admin, prefix, separatePort, preserveQuery, adminSession, configSession } = init
  const reserved: Handler = {
    handle: (c, r) => admin.handle(c, r.uri.rawPath === prefix ? r : withAdminPath(r, prefix)),
  }
  return {
    handle: (context, request) => {
      applyQueryStringPolicy(request, preserveQuery) // a RequestError 400 when refused
      const path = request.uri.rawPath
      if (!separatePort && (path === prefix || path.startsWith(`${prefix}/`)))
        return withSession(adminSession, context, request, reserved)
      return withSession(configSession, context, request, init.handler)
    },
  }
}

/** The entry of the adminConnector: the reserved endpoints, without the prefix. */
export function adminEntry(admin: AdminEndpoints, session: SessionManager): Handler {
  return { handle: (context, request) => withSession(session, context, request, admin) }
}
