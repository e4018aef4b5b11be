import type { Duplex } from 'node:stream'
import type { Request, Response } from '@postern/core'

/**
 * An HTTP Upgrade (WebSocket) request travels through the route like any other request, so its
 * filters (conditions, baseURI, authentication) apply; the raw client socket rides along here, for
 * the ReverseProxyHandler to tunnel when `websocket.enabled` is true.
 */
const sockets = new WeakMap<Request, { socket: Duplex; head: Buffer }>()
const upgraded = new WeakSet<Response>()

export function attachUpgrade(request: Request, socket: Duplex, head: Buffer): void {
  sockets.set(request, { socket, head })
}

/** The client socket of an Upgrade request, taken once. */
export function takeUpgrade(request: Request): { socket: Duplex; head: Buffer } | undefined {
  const found = sockets.get(request)
  sockets.delete(request)
  return found
}

/** Marks a response whose connection now belongs to a tunnel: the server writes nothing more. */
export function markUpgraded(response: Response): Response {
  upgraded.add(response)
  return response
}

export function isUpgraded(response: Response): boolean {
  return upgraded.has(response)
}
