import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, isIPv6, type Socket } from 'node:net'
import type { Logger } from '@postern/core'

/** Where messages go; never throws, never waits for the network in `send`. */
export interface SyslogTransport {
  send(message: string): void
  /** Resolves once every queued message is written, or when `timeoutMs` has passed. */
  flush(timeoutMs: number): Promise<void>
  close(): Promise<void>
  /** Messages dropped since start (queue full while the daemon was away). */
  readonly dropped: number
}

export interface TransportOptions {
  readonly host: string
  readonly port: number
  readonly connectTimeout: number
  /** At most this many messages wait while the daemon is unreachable; the oldest go first. */
  readonly maxQueued: number
  readonly logger: Logger
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * TCP with RFC 6587 octet-counting framing (`<length> <message>`). Messages wait in a bounded
 * queue while the connection is down; reconnection backs off from 100 ms to 5 s.
 */
export class TcpTransport implements SyslogTransport {
  readonly #options: TransportOptions
  readonly #queue: Buffer[] = []
  #socket: Socket | undefined
  #connecting = false
  #retry: NodeJS.Timeout | undefined
  #backoff = 100
  #closed = false
  #dropped = 0
  #pending = 0

  constructor(options: TransportOptions) {
    this.#options = options
  }

  get dropped(): number {
    return this.#dropped
  }

  send(message: string): void {
    if (this.#closed) return
    const body = Buffer.from(message)
    const frame = Buffer.concat([Buffer.from(`${body.length} `), body])
    if (this.#socket && !this.#connecting && this.#queue.length === 0) {
      this.#write([frame])
      return
    }
    this.#queue.push(frame)
    if (this.#queue.length > this.#options.maxQueued) {
      this.#queue.shift()
      if (this.#dropped++ % 1000 === 0)
        this.#options.logger.warn(
          { host: this.#options.host, port: this.#options.port, dropped: this.#dropped },
          'syslog daemon unreachable: audit events dropped',
        )
    }
    this.#pump()
  }

  #write(frames: Buffer[]): void {
    const socket = this.#socket!
    this.#pending++
    socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames), () => {
      if (this.#pending > 0) this.#pending--
    })
  }

  #pump(): void {
    if (this.#closed || this.#queue.length === 0) return
    if (this.#socket && !this.#connecting) {
      this.#write(this.#queue.splice(0))
      return
    }
    if (this.#connecting || this.#retry) return
    this.#connecting = true
    const { host, port, connectTimeout, logger } = this.#options
    const socket = connect({ host, port, timeout: connectTimeout })
    socket.setNoDelay(true)
    socket.once('connect', () => {
      socket.setTimeout(0)
      this.#connecting = false
      this.#backoff = 100
      this.#socket = socket
      logger.debug({ host, port }, 'connected to the syslog daemon')
      this.#pump()
    })
    socket.once('timeout', () => socket.destroy(new Error(`no connection in ${connectTimeout} ms`)))
    socket.on('error', (err) => {
      if (this.#backoff === 100)
        logger.warn({ err, host, port }, 'syslog daemon unreachable: audit events queued')
    })
    socket.once('close', () => {
      if (this.#socket === socket) this.#socket = undefined
      this.#connecting = false
      this.#pending = 0
      if (this.#closed) return
      this.#retry = setTimeout(() => {
        this.#retry = undefined
        this.#pump()
      }, this.#backoff)
      this.#retry.unref()
      this.#backoff = Math.min(this.#backoff * 2, 5000)
    })
    // a daemon that closes the connection is noticed; its data is not expected
    socket.resume()
  }

  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    this.#pump()
    while ((this.#queue.length > 0 || this.#pending > 0) && Date.now() < deadline) await sleep(10)
  }

  async close(): Promise<void> {
    await this.flush(this.#options.connectTimeout)
    this.#closed = true
    clearTimeout(this.#retry)
    if (this.#queue.length > 0)
      this.#options.logger.error(
        { events: this.#queue.length },
        'syslog daemon unreachable at stop: audit events not sent',
      )
    const socket = this.#socket
    this.#socket = undefined
    if (socket) await new Promise<void>((r) => socket.end(r))
  }
}

/** UDP: one message per datagram (RFC 5426). Nothing waits: a datagram is sent or lost. */
export class UdpTransport implements SyslogTransport {
  readonly #options: TransportOptions
  readonly #socket: UdpSocket
  #pending = 0
  #dropped = 0
  #warned = false

  constructor(options: TransportOptions) {
    this.#options = options
    this.#socket = createSocket(isIPv6(options.host) ? 'udp6' : 'udp4')
    this.#socket.on('error', (err) => this.#failed(err))
    this.#socket.unref()
  }

  get dropped(): number {
    return this.#dropped
  }

  #failed(err: Error): void {
    this.#dropped++
    if (this.#warned) return
    this.#warned = true
    this.#options.logger.warn(
      { err, host: this.#options.host, port: this.#options.port },
      'syslog datagram not sent',
    )
  }

  send(message: string): void {
    if (this.#pending >= this.#options.maxQueued) {
      this.#dropped++
      return
    }
    this.#pending++
    this.#socket.send(message, this.#options.port, this.#options.host, (err) => {
      this.#pending--
      if (err) this.#failed(err)
      else this.#warned = false
    })
  }

  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.#pending > 0 && Date.now() < deadline) await sleep(5)
  }

  async close(): Promise<void> {
    await this.flush(this.#options.connectTimeout)
    await new Promise<void>((r) => this.#socket.close(() => r()))
  }
}
