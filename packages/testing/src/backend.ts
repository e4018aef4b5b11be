import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { cleanup } from './cleanup.js'

export interface Backend {
  url: string
  port: number
  server: Server
  close(): Promise<void>
}

/**
 * A forward proxy on 127.0.0.1 that tunnels CONNECT requests (undici's ProxyAgent tunnels http
 * targets too). `accept` sees each CONNECT and may refuse it with a status line.
 */
export async function startConnectProxy(
  accept: (req: IncomingMessage) => string | undefined = () => undefined,
): Promise<Backend> {
  const proxy = await startBackend((_req, res) => res.writeHead(405).end())
  proxy.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const refusal = accept(req)
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\n\r\n`)
      return
    }
    const [host, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), host!, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
  })
  return proxy
}

/** An HTTP server on 127.0.0.1 and a free port, closed after the test. */
export async function startBackend(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: { maxHeaderSize?: number } = {},
): Promise<Backend> {
  const server = createServer(options, handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  const close = async () => {
    if (!server.listening) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  cleanup(close)
  return { url: `http://127.0.0.1:${port}`, port, server, close }
}
