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

/** A backend streaming a large JSON body without Content-Length: see startChunkedJsonBackend. */
export interface ChunkedJsonBackend extends Backend {
  /** Bytes written so far, by the last request. */
  sent(): number
  /** Whether the last response was written to its end (false: the client cut it). */
  finished(): Promise<boolean>
}

/**
 * Answers every request with a JSON document of about `bytes` bytes, chunked (no Content-Length),
 * written as the client reads it: `{"keys":[` then `chunk` (default 64 KiB of spaces) over and
 * over, then `end` (default `]}`). For limits on bodies whose length is not declared.
 */
export async function startChunkedJsonBackend(
  options: { bytes?: number; chunk?: Buffer; end?: string } = {},
): Promise<ChunkedJsonBackend> {
  const bytes = options.bytes ?? 10 * 1024 * 1024
  const chunk = options.chunk ?? Buffer.alloc(64 * 1024, 32)
  let sent = 0
  let finished: Promise<boolean> = Promise.resolve(true)
  const backend = await startBackend((_req, res) => {
    sent = 0
    finished = once(res, 'close').then(() => res.writableFinished)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"keys":[')
    const write = () => {
      while (sent < bytes) {
        sent += chunk.length
        if (!res.write(chunk)) return void res.once('drain', write)
      }
      res.end(options.end ?? ']}')
    }
    write()
  })
  return { ...backend, sent: () => sent, finished: () => finished }
}
