import { once } from 'node:events'
import { describe, expect, onTestFinished, test } from 'vitest'
import {
  fetchJson,
  FetchStatusError,
  FetchTooLargeError,
  Request,
  RootContext,
  silentLogger,
} from '@postern/core'
import { startBackend, until, startChunkedJsonBackend } from '@postern/testing'
import { createClientHandler, type ClientHandlerConfig } from '../src/client/client-handler.js'

/** A ClientHandler as the heap makes it with the reference's defaults, closed after the test. */
async function clientHandler(config: Partial<ClientHandlerConfig> = {}) {
  const handler = await createClientHandler(
    {
      connections: 64,
      soTimeout: 10_000,
      connectionTimeout: 10_000,
      propagateDisconnection: false,
      ...config,
    },
    silentLogger,
    {},
  )
  onTestFinished(() => handler.close())
  return handler
}

describe('ClientHandler and the signals of a request', () => {
  test("the caller's signal is always honoured: a deadline ends a call that soTimeout would let wait", async () => {
    const backend = await startBackend(() => {}) // never answers
    const handler = await clientHandler()
    const request = new Request({ uri: `${backend.url}/jwks`, signal: AbortSignal.timeout(200) })
    const started = performance.now()
    await expect(handler.handle(new RootContext(), request)).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    expect(performance.now() - started).toBeLessThan(5000) // soTimeout is 10 seconds
  })

  test("the caller's deadline also ends the wait between retries", async () => {
    const backend = await startBackend(() => {})
    await backend.close() // refused at once, retried every 10 seconds
    const handler = await clientHandler({ retries: { enabled: true, count: 5, delay: 10_000 } })
    const request = new Request({ uri: `${backend.url}/`, signal: AbortSignal.timeout(200) })
    const started = performance.now()
    await expect(handler.handle(new RootContext(), request)).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    expect(performance.now() - started).toBeLessThan(5000)
  })

  test("the client's signal cancels the call only with propagateDisconnection", async () => {
    const backend = await startBackend((_req, res) => res.end('answered'))
    const request = () =>
      new Request({ uri: `${backend.url}/`, clientSignal: AbortSignal.abort(new Error('gone')) })
    const kept = await (await clientHandler()).handle(new RootContext(), request())
    expect(await kept.entity.text()).toBe('answered')
    const propagating = await clientHandler({ propagateDisconnection: true })
    await expect(propagating.handle(new RootContext(), request())).rejects.toThrow('gone')
  })

  test('with propagateDisconnection, a client that leaves closes the call to the application', async () => {
    const closed: Promise<unknown>[] = []
    const backend = await startBackend((req) => void closed.push(once(req.socket, 'close')))
    const handler = await clientHandler({ propagateDisconnection: true })
    const client = new AbortController()
    const pending = handler.handle(
      new RootContext(),
      new Request({ uri: `${backend.url}/`, clientSignal: client.signal }),
    )
    await until(() => closed.length > 0, { message: 'the call to reach the application' })
    client.abort(new Error('client closed the connection'))
    await expect(pending).rejects.toThrow('client closed the connection')
    await closed[0] // the application's socket is closed, not left to soTimeout
  })
})

describe('fetchJson through a ClientHandler', () => {
  test('asks for JSON and names the target in Host, as a request made in a route has no Host', async () => {
    const backend = await startBackend((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ host: req.headers.host, accept: req.headers.accept }))
    })
    const json = await fetchJson(await clientHandler(), new Request({ uri: `${backend.url}/d` }))
    expect(json).toEqual({ host: `127.0.0.1:${backend.port}`, accept: 'application/json' })
  })

  test('a chunked 10 MB body is refused at the limit and its connection closed', async () => {
    const backend = await startChunkedJsonBackend() // 10 MB, no length
    const request = new Request({ uri: `${backend.url}/jwks` })
    const err = await fetchJson(await clientHandler(), request, { limitBytes: 512 * 1024 }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(FetchTooLargeError)
    expect(err).toMatchObject({ code: 'ERR_POSTERN_FETCH_TOO_LARGE', limitBytes: 512 * 1024 })
    expect(await backend.finished()).toBe(false) // the response was cut, not read to the end
    expect(backend.sent()).toBeLessThan(10 * 1024 * 1024)
  })

  test('a refused call discards the body and frees its connection for the next calls', async () => {
    const backend = await startBackend((req, res) => {
      if (req.url === '/missing') return void res.writeHead(404).end('x'.repeat(50_000))
      res.end('{}')
    })
    let connections = 0
    backend.server.on('connection', () => connections++)
    const handler = await clientHandler()
    for (let i = 0; i < 5; i++) {
      const err = await fetchJson(handler, new Request({ uri: `${backend.url}/missing` })).catch(
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(FetchStatusError)
      expect(err).toMatchObject({ status: 404, url: `${backend.url}/missing` })
      expect(await fetchJson(handler, new Request({ uri: `${backend.url}/ok` }))).toEqual({})
    }
    // undici may open a second connection while the first is being released, never one per call
    expect(connections).toBeLessThanOrEqual(2)
  })
})
