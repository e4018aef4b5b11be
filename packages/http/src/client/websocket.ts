import { connect as connectTcp, isIP, type Socket } from 'node:net'
import { connect as connectTls, type ConnectionOptions } from 'node:tls'
import { Response, type Request } from '@postern/core'
import { markUpgraded, takeUpgrade } from '../server/upgrade.js'

export interface WebSocketOptions {
  connectionTimeoutMs: number
  soTimeoutMs: number
  tls: ConnectionOptions | undefined
}

/**
 * Tunnels an Upgrade request to `request.uri`: sends the handshake with the request's headers,
 * then pipes bytes both ways; the upstream's 101 (or refusal) reaches the client unchanged.
 */
export async function tunnel(
  request: Request,
  options: WebSocketOptions,
): Promise<Response | undefined> {
  const client = takeUpgrade(request)
  if (!client) return undefined
  const uri = request.uri
  const secure = uri.scheme === 'https' || uri.scheme === 'wss'
  const port = uri.effectivePort > 0 ? uri.effectivePort : secure ? 443 : 80
  const host = (uri.host ?? 'localhost').replace(/^\[|\]$/g, '')
  const upstream: Socket = secure
    ? connectTls({
        host,
        port,
        ...(isIP(host) ? {} : { servername: host }),
        ...(options.tls ?? {}),
      })
    : connectTcp({ host, port })
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('WebSocket connection timed out')),
        options.connectionTimeoutMs,
      )
      upstream.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        resolve()
      })
      upstream.once('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  } catch (err) {
    upstream.destroy()
    client.socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    return markUpgraded(Response.of(502, undefined, err as Error))
  }
  let head = `${request.method} ${uri.requestTarget} HTTP/1.1\r\n`
  for (const [name, values] of request.headers) {
    if (name.toLowerCase() === 'host') continue
    for (const value of values) head += `${name}: ${value}\r\n`
  }
  // the client's Host header is kept, as for other requests
  head += `Host: ${request.headers.get('host') || (uri.rawAuthority ?? host)}\r\n\r\n`
  upstream.write(head)
  if (client.head.length > 0) upstream.write(client.head)
  if (Number.isFinite(options.soTimeoutMs) && options.soTimeoutMs > 0) {
    upstream.setTimeout(options.soTimeoutMs, () => upstream.destroy())
  }
  upstream.pipe(client.socket)
  client.socket.pipe(upstream)
  const close = () => {
    upstream.destroy()
    client.socket.destroy()
  }
  upstream.once('close', close)
  upstream.once('error', close)
  client.socket.once('close', close)
  client.socket.once('error', close)
  return markUpgraded(new Response({ status: 101 }))
}
