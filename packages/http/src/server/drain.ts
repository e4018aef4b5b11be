import { setTimeout as delay } from 'node:timers/promises'
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * The gateway's listening servers and what is in flight on them, so that stop() lets requests
 * finish before it closes their connections.
 */
export class ServerSet {
  readonly #servers: Server[] = []
  // An upgraded connection (a WebSocket tunnel) is no longer an HTTP connection of its server:
  // closeAllConnections() leaves it open, and the server's close() would wait for it.
  readonly #tunnels = new Set<Duplex>()
  #inFlight = 0
  #drained: (() => void) | undefined

  add(server: Server): void {
    this.#servers.push(server)
  }

  /** A request is being served: stop() waits for its response. */
  begin(): void {
    this.#inFlight++
  }

  /** Its response closed (sent, or the client went away). */
  end(): void {
    if (--this.#inFlight === 0) this.#drained?.()
  }

  /** A connection handed over to a tunnel: closed when the gateway stops. */
  tunnel(socket: Duplex): void {
    this.#tunnels.add(socket)
    socket.once('close', () => this.#tunnels.delete(socket))
  }

  /**
   * Stops listening and closes idle connections at once; waits up to `drainTimeoutMs` for the
   * requests in flight, then closes every connection left.
   */
  async close(drainTimeoutMs: number): Promise<void> {
    const servers = this.#servers.splice(0)
    const closed = servers.map(
      (s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())),
    )
    for (const server of servers) server.closeIdleConnections()
    if (this.#inFlight > 0) {
      const drained = new Promise<void>((resolve) => (this.#drained = resolve))
      // a timer promise, not an AbortSignal.timeout() that nothing holds (it may be collected)
      const stopWaiting = new AbortController()
      await Promise.race([
        drained,
        delay(drainTimeoutMs, undefined, { signal: stopWaiting.signal }).catch(() => {}),
      ])
      stopWaiting.abort()
      this.#drained = undefined
    }
    for (const server of servers) server.closeAllConnections()
    for (const socket of this.#tunnels) socket.destroy()
    await Promise.all(closed)
  }
}
