import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import {
  Headers,
  MutableUri,
  Request,
  type ClientInfo,
  type EntityOptions,
  type Response,
} from '@postern/core'

const NO_BODY_STATUS = new Set([204, 205, 304])

/** Builds the core Request from node's IncomingMessage; the body stays a stream. */
export function toRequest(
  req: IncomingMessage,
  secure: boolean,
  signal: () => AbortSignal,
  entityOptions: EntityOptions = {},
): Request {
  const headers = Headers.fromRaw(req.rawHeaders)
  const target = req.url ?? '/'
  const host =
    headers.get('host') ?? `${req.socket.localAddress ?? 'localhost'}:${req.socket.localPort ?? 80}`
  let uri: MutableUri
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    uri = MutableUri.parse(target) // absolute-form: a forward-proxy request
  } else {
    const hostUri = MutableUri.tryParse(`${secure ? 'https' : 'http'}://${host}`)
    const q = target.indexOf('?')
    const hashless = target.includes('#') ? target.slice(0, target.indexOf('#')) : target
    uri = new MutableUri({
      scheme: secure ? 'https' : 'http',
      host: hostUri?.host ?? 'localhost',
      port: hostUri?.port ?? null,
      rawPath: q < 0 ? hashless : hashless.slice(0, q),
      rawQuery: q < 0 ? null : hashless.slice(q + 1),
    })
  }
  const request = new Request({
    method: req.method ?? 'GET',
    uri,
    version: `HTTP/${req.httpVersion}`,
    headers,
    clientSignal: signal, // aborted when the client goes away
    entityOptions,
  })
  const length = headers.get('content-length')
  const chunked = headers.has('transfer-encoding')
  if (chunked || (length !== undefined && length !== '0'))
    request.entity.setStream(req, length === undefined ? undefined : Number(length))
  return request
}

/** The ClientContext fields of a connection. */
export function clientInfo(req: IncomingMessage, secure: boolean): ClientInfo {
  const socket = req.socket
  let certificates: X509Certificate[] = []
  if (secure) {
    const peer = (socket as TLSSocket).getPeerX509Certificate?.()
    if (peer) certificates = [peer]
  }
  return {
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
    isSecure: secure,
    certificates,
    userAgent: req.headers['user-agent'] ?? null,
  }
}

/** Writes a core Response to node's ServerResponse, streaming the body. */
export async function writeResponse(
  res: ServerResponse,
  response: Response,
  method: string,
): Promise<void> {
  const status = response.status
  const noBody =
    method === 'HEAD' ||
    NO_BODY_STATUS.has(status.code) ||
    (status.code >= 100 && status.code < 200)
  const hasTrailers = response.trailers.size > 0 && !noBody
  const body = response.entity.body()
  // one flat [name, value, ...] list and one writeHead: cheaper than a setHeader per header
  const raw: string[] = []
  let length: string | undefined
  for (const [name, values] of response.headers) {
    const lower = name.toLowerCase()
    if (lower === 'connection' || lower === 'keep-alive' || lower === 'transfer-encoding') continue
    if (lower === 'content-length') {
      length = values[0]
      continue
    }
    for (const value of values) raw.push(name, value)
  }
  if (hasTrailers) raw.push('Trailer', response.trailers.names().join(', '))
  else if (Buffer.isBuffer(body)) raw.push('Content-Length', String(body.length))
  else if (body === null) {
    if (!noBody) raw.push('Content-Length', '0')
    else if (length !== undefined) raw.push('Content-Length', length) // HEAD keeps the length it would have
  } else if (length !== undefined) raw.push('Content-Length', length)
  res.writeHead(status.code, status.reasonPhrase, raw)
  if (noBody || body === null) {
    if (body !== null) await response.entity.discard()
    if (hasTrailers) res.addTrailers(response.trailers.toRaw())
    res.end()
    return
  }
  if (Buffer.isBuffer(body)) {
    if (hasTrailers) {
      res.write(body)
      res.addTrailers(response.trailers.toRaw())
      res.end()
    } else res.end(body)
    return
  }
  if (hasTrailers) {
    await pipeline(response.entity.toReadable(), res, { end: false })
    res.addTrailers(response.trailers.toRaw())
    res.end()
  } else {
    await pipeline(response.entity.toReadable(), res)
  }
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}
