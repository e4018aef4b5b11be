import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import {
  AttributesContext,
  channels,
  ClientContext,
  RequestError,
  Response,
  RootContext,
  TransactionId,
  TransactionIdContext,
  UriRouterContext,
  type Context,
  type EntityOptions,
  type Handler,
  type Logger,
  type Request,
  type ServerRequestMessage,
} from '@postern/core'
import type { ServerSet } from './drain.js'
import { clientInfo, toRequest, writeResponse } from './http-adapter.js'
import { attachUpgrade, isUpgraded } from './upgrade.js'

const TRANSACTION_HEADER = 'x-forgerock-transactionid'

/** What every connector's request listener shares. */
export interface Dispatch {
  /** The gateway's id, carried by diagnostics-channel messages. */
  readonly gatewayId: string
  readonly logger: Logger
  /** The entity read limit and form decoding of this gateway's requests (system properties). */
  readonly entityOptions: EntityOptions
  readonly servers: ServerSet
  /** org.forgerock.http.TrustTransactionHeader: keep the client's x-forgerock-transactionid. */
  readonly trustTransactionHeader: boolean
}

/** One connector's view of the dispatch: its entry handler, scheme and local address. */
export interface Connector {
  readonly entry: Handler
  readonly secure: boolean
  /** host:port, known once listening. */
  readonly local: () => string
}

function contextOf(
  req: IncomingMessage,
  request: Request,
  secure: boolean,
  transactionId: TransactionId,
): Context {
  const root = new RootContext()
  const client = new ClientContext(root, clientInfo(req, secure))
  const tx = new TransactionIdContext(client, transactionId)
  const attributes = new AttributesContext(tx)
  return new UriRouterContext(attributes, {
    baseUri: '',
    matchedUri: '',
    originalUri: request.uri.clone(),
  })
}

function transactionIdOf(req: IncomingMessage, trust: boolean): TransactionId {
  const incoming = req.headers[TRANSACTION_HEADER]
  return new TransactionId(
    trust && typeof incoming === 'string' && incoming !== '' ? incoming : undefined,
  )
}

/** The entry's response; whatever escapes it is a 500 (a RequestError: its status), as in IG. */
async function respond(
  dispatch: Dispatch,
  entry: Handler,
  context: Context,
  request: Request,
  txId: string,
): Promise<Response> {
  try {
    return await entry.handle(context, request)
  } catch (err) {
    if (err instanceof RequestError) return Response.of(err.status)
    dispatch.logger.error({ err, txId }, 'request failed')
    return Response.of(500)
  }
}

/**
 * The message of the server channels for a request (only when observed); start goes out once
 * the request's context is made, finish when the response closes.
 */
function observe(
  gateway: string,
  req: IncomingMessage,
  res: ServerResponse,
  local: string,
  secure: boolean,
): ServerRequestMessage {
  const socket = req.socket
  const read = socket.bytesRead
  const written = socket.bytesWritten
  const message: ServerRequestMessage = {
    gateway,
    local,
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    scheme: secure ? 'https' : 'http',
    headers: req.headers,
    startNs: process.hrtime.bigint(),
  }
  res.once('close', () => {
    message.status = res.statusCode
    message.reset = !res.writableFinished
    // the declared body length, else what the socket read after the head; all bytes written
    const declared = Number(req.headers['content-length'])
    message.requestBytes = Number.isFinite(declared)
      ? declared
      : Math.max(0, socket.bytesRead - read)
    message.responseBytes = Math.max(0, socket.bytesWritten - written)
    channels.serverRequestFinish.publish(message)
  })
  return message
}

function handle(
  dispatch: Dispatch,
  { entry, secure }: Connector,
  req: IncomingMessage,
  res: ServerResponse,
  message: ServerRequestMessage | undefined,
): void {
  const { logger, servers } = dispatch
  servers.begin()
  // made only if something asks for request.signal: most requests never do
  let abort: AbortController | undefined
  const signal = () => (abort ??= new AbortController()).signal
  res.once('close', () => {
    if (abort && !res.writableFinished) abort.abort(new Error('client closed the connection'))
    servers.end()
  })
  let request: Request
  const transactionId = transactionIdOf(req, dispatch.trustTransactionHeader)
  try {
    request = toRequest(req, secure, signal, dispatch.entityOptions)
  } catch (err) {
    logger.warn({ err, txId: transactionId.value }, 'malformed request')
    if (message) channels.serverRequestStart.publish(message)
    res.statusCode = 400
    res.end()
    return
  }
  let context = contextOf(req, request, secure, transactionId)
  if (message) {
    message.context = context
    channels.serverRequestStart.publish(message)
    context = message.context
  }
  respond(dispatch, entry, context, request, transactionId.value)
    .then((response) => writeResponse(res, response, request.method))
    .catch((err: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500
        res.end()
      } else res.destroy(err as Error)
      if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE')
        logger.warn({ err, txId: transactionId.value }, 'response not written')
    })
    .finally(() => {
      // an unread request body would hold the connection: drain what the handler left
      if (!req.readableEnded && !req.destroyed) req.resume()
    })
}

/** The `request` listener of a connector's server. */
export function requestListener(dispatch: Dispatch, connector: Connector) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const observed =
      channels.serverRequestStart.hasSubscribers || channels.serverRequestFinish.hasSubscribers
    const message = observed
      ? observe(dispatch.gatewayId, req, res, connector.local(), connector.secure)
      : undefined
    handle(dispatch, connector, req, res, message)
  }
}

/**
 * The `upgrade` listener of a connector's server: an Upgrade request goes through the same route,
 * and a handler that tunnels it takes the socket.
 */
export function upgradeListener(dispatch: Dispatch, { entry, secure }: Connector) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy())
    dispatch.servers.tunnel(socket)
    const transactionId = transactionIdOf(req, dispatch.trustTransactionHeader)
    let request: Request
    try {
      request = toRequest(req, secure, () => new AbortController().signal, dispatch.entityOptions)
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
      return
    }
    attachUpgrade(request, socket, head)
    const context = contextOf(req, request, secure, transactionId)
    void respond(dispatch, entry, context, request, transactionId.value)
      .then(async (response) => {
        if (isUpgraded(response)) return
        // not upgraded: answer on the raw socket and close it
        const body = await response.entity.bytes().catch(() => Buffer.alloc(0))
        let text = `HTTP/1.1 ${response.status.code} ${response.status.reasonPhrase}\r\n`
        for (const [name, values] of response.headers) {
          if (/^(connection|content-length|transfer-encoding)$/i.test(name)) continue
          for (const value of values) text += `${name}: ${value}\r\n`
        }
        socket.end(
          `${text}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('latin1')}`,
          'latin1',
        )
      })
      .catch((err: unknown) => dispatch.logger.warn({ err }, 'upgrade response not written'))
  }
}
