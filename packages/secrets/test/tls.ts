import { once } from 'node:events'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { connect, type ConnectionOptions, type TLSSocket, type TlsOptions } from 'node:tls'
import type { ServerTlsProvider } from '@postern/core'
import { onTestFinished } from 'vitest'

export interface TlsServer {
  server: Server
  port: number
}

/**
 * An https server on 127.0.0.1 and port 0 with a provider's options, answering with the client
 * certificate's subject; wired as the gateway's server is, plus the provider's secureConnection.
 */
export async function serveTls(provider: ServerTlsProvider): Promise<TlsServer> {
  const options: TlsOptions = await provider.serverTlsOptions()
  const server = createServer(options, (req, res) => {
    const socket = req.socket as TLSSocket
    const peer = socket.getPeerX509Certificate?.()
    res.end(JSON.stringify({ client: peer?.subject ?? null, authorized: socket.authorized }))
  })
  if (provider.secureConnection)
    server.on('secureConnection', (s: TLSSocket) => provider.secureConnection!(s))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { server, port: (server.address() as AddressInfo).port }
}

export interface Handshake {
  /** The server certificate's subject. */
  subject: string
  protocol: string | null
  cipher: string
  alpn: string | false
  /** The body of a GET / over the connection. */
  body: string
}

/** `openssl s_client -connect 127.0.0.1:<port> -servername <name>`, then one HTTP/1.1 GET. */
export async function handshake(port: number, options: ConnectionOptions = {}): Promise<Handshake> {
  const socket = connect({ host: '127.0.0.1', port, ...options })
  onTestFinished(() => void socket.destroy())
  await Promise.race([
    once(socket, 'secureConnect'),
    once(socket, 'error').then(([err]) => Promise.reject(err as Error)),
  ])
  const subject = socket.getPeerX509Certificate()?.subject ?? ''
  const result = {
    subject,
    protocol: socket.getProtocol(),
    cipher: socket.getCipher().name,
    alpn: socket.alpnProtocol ?? false,
  }
  socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await Promise.race([
    once(socket, 'end'),
    once(socket, 'close'),
    once(socket, 'error').then(([err]) => Promise.reject(err as Error)),
  ])
  const response = Buffer.concat(chunks).toString('utf8')
  if (!response.startsWith('HTTP/1.1 200')) {
    throw Object.assign(new Error('connection closed without a response'), { code: 'ECONNRESET' })
  }
  return { ...result, body: response.slice(response.indexOf('\r\n\r\n') + 4) }
}

/** The error a handshake (or the request after it) ends with. */
export async function refused(
  port: number,
  options: ConnectionOptions = {},
): Promise<Error & { code?: string }> {
  try {
    await handshake(port, options)
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('the connection was accepted')
}
