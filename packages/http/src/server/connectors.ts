import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import {
  channels,
  ConfigError,
  Kinds,
  type Handler,
  type Heap,
  type ServerTlsProvider,
} from '@postern/core'
import { requestListener, upgradeListener, type Dispatch } from './dispatch.js'

/** One port to listen on, and where admin.json declares it (for errors). */
interface Listener {
  port: number
  host: string | undefined
  tls: ServerTlsProvider | undefined
  maxHeaderSize: number | undefined
  entry: Handler
  pointer: string
}

/** admin.json's connectors and adminConnector, as the gateway listens on them. */
export interface ConnectorsInit {
  /** admin.json, resolved. */
  config: Record<string, unknown>
  /** admin.json's heap: the connectors' `tls` references resolve there. */
  heap: Heap
  source: string
  /** Replaces the connectors' ports, in order; the adminConnector then listens on port 0. */
  ports: readonly number[] | undefined
  /** The gateway's entry, and the adminConnector's (the reserved endpoints without the prefix). */
  entry: Handler
  adminEntry: Handler
}

/** Listens on every connector port, then on the adminConnector; resolves with the ports bound. */
export async function listenConnectors(
  dispatch: Dispatch,
  init: ConnectorsInit,
): Promise<{ ports: number[]; adminPort: number | undefined }> {
  const { config, source } = init
  const connectors = Array.isArray(config.connectors)
    ? (config.connectors as Record<string, unknown>[])
    : []
  if (connectors.length === 0 && !init.ports)
    throw new ConfigError(source, '/connectors', 'at least one connector is required')
  let i = 0
  const ports: number[] = []
  for (const [ci, connector] of connectors.entries()) {
    const at = `/connectors/${ci}`
    const tls = await tlsOf(init, connector, at)
    const declared = [connector.port].flat().map(Number)
    for (const [pi, port] of declared.entries()) {
      const chosen = init.ports ? (init.ports[i++] ?? 0) : port
      if (!Number.isInteger(chosen) || chosen < 0 || chosen > 65535)
        throw new ConfigError(source, `${at}/port`, `not a valid port: ${String(connector.port)}`)
      const pointer = Array.isArray(connector.port) ? `${at}/port/${pi}` : `${at}/port`
      ports.push(
        await listen(dispatch, source, {
          ...listenerOf(connector, init.entry),
          tls,
          port: chosen,
          pointer,
        }),
      )
    }
  }
  const adminConnector = config.adminConnector as Record<string, unknown> | undefined
  if (!adminConnector) return { ports, adminPort: undefined }
  const tls = await tlsOf(init, adminConnector, '/adminConnector')
  const port = init.ports ? 0 : Number(adminConnector.port)
  const pointer = '/adminConnector/port'
  const adminPort = await listen(dispatch, source, {
    ...listenerOf(adminConnector, init.adminEntry),
    tls,
    port,
    pointer,
  })
  return { ports, adminPort }
}

function listenerOf(connector: Record<string, unknown>, entry: Handler) {
  return {
    host: connector.host as string | undefined,
    maxHeaderSize: connector.maxTotalHeadersSize as number | undefined,
    entry,
  }
}

function tlsOf(
  { heap, source }: ConnectorsInit,
  connector: Record<string, unknown>,
  at: string,
): Promise<ServerTlsProvider | undefined> {
  if (connector.tls === undefined) return Promise.resolve(undefined)
  return heap.resolve(connector.tls, `${at}/tls`, Kinds.ServerTlsOptions, source)
}

/** Makes the server of one port, with every listener attached before it listens. */
async function listen(dispatch: Dispatch, source: string, listener: Listener): Promise<number> {
  const { port, host, tls, maxHeaderSize } = listener
  const options = maxHeaderSize ? { maxHeaderSize } : {}
  let local = `${host ?? '0.0.0.0'}:${port}`
  const connector = { entry: listener.entry, secure: tls !== undefined, local: () => local }
  let server: Server
  if (tls !== undefined) {
    server = createHttpsServer(
      { ...options, ...(await tls.serverTlsOptions()) },
      requestListener(dispatch, connector),
    ) as unknown as Server
    // the provider may refuse a handshake Node accepted (clientAuth REQUEST, unverified certificate)
    if (tls.secureConnection)
      server.on('secureConnection', (socket: TLSSocket) => tls.secureConnection!(socket))
  } else {
    server = createHttpServer(options, requestListener(dispatch, connector))
  }
  server.keepAliveTimeout = 65_000
  const gateway = dispatch.gatewayId
  server.on('connection', (socket: Socket) => {
    if (!channels.serverConnection.hasSubscribers) return
    channels.serverConnection.publish({ gateway, local, open: true })
    socket.once('close', () => channels.serverConnection.publish({ gateway, local, open: false }))
  })
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    dispatch.logger.debug({ err }, 'client error')
  })
  // before listening: an Upgrade arriving with the first connection must find its listener
  server.on('upgrade', upgradeListener(dispatch, connector))
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    const why = `cannot listen on ${local}: ${reason(err)}`
    throw new ConfigError(source, listener.pointer, why, undefined, { cause: err })
  }
  dispatch.servers.add(server)
  const bound = (server.address() as AddressInfo).port
  local = `${host ?? '0.0.0.0'}:${bound}`
  return bound
}

function reason(err: unknown): string {
  const code = (err as { code?: unknown }).code
  if (code === 'EADDRINUSE') return 'the port is already in use'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EADDRNOTAVAIL') return 'the address is not one of this host'
  return (err as Error).message
}
