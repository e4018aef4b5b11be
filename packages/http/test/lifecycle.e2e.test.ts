import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { get as httpsGet } from 'node:https'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, onTestFinished, test } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { definePlugin, heaplet, Type, type ServerTlsProvider } from '@postern/core'
import { instanceDir, startBackend } from '@postern/testing'
import http, { createGateway } from '../src/index.js'

// ServerTlsOptions the tests control: `{ "type": "TestServerTls", "config": { "id": "x" } }`
const providers = new Map<string, ServerTlsProvider>()
const testTls = definePlugin({
  name: 'test-server-tls',
  version: '1.0.0',
  core: '^1.0.0',
  types: {
    TestServerTls: heaplet({
      schema: Type.Object({ id: Type.String() }),
      create: ({ id }) => providers.get(id)!,
    }),
  },
})
const plugins = [http, testTls]
const tls = (id: string) => ({ type: 'TestServerTls', config: { id } })

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void
  const promise = new Promise<void>((resolve) => (fire = resolve))
  return { promise, fire }
}

/** A port nothing listens on now (asked of the OS with port 0). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A self-signed certificate for 127.0.0.1, made with openssl. */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'postern-tls-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
    '-subj', '/CN=127.0.0.1',
  ], { stdio: 'pipe' }) // prettier-ignore
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  }
}

function fetchInsecure(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { rejectUnauthorized: false, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    }).on('error', reject)
  })
}

async function startTestGateway(adminJson: unknown, routes: Record<string, unknown> = {}) {
  const dir = instanceDir({ adminJson, routes })
  const gateway = createGateway({ plugins, instanceDir: dir, env: {}, drainTimeoutMs: 10_000 })
  onTestFinished(() => gateway.stop())
  return gateway
}

describe('starting: every port serves as configured from its first connection', () => {
  test('with an adminConnector, /openig is not served on a gateway port, even while later ports are still starting', async () => {
    const asked = signal()
    const gate = signal()
    providers.set('gated', {
      serverTlsOptions: async () => {
        asked.fire()
        await gate.promise
        return {}
      },
    })
    const first = await freePort()
    const gateway = await startTestGateway({
      connectors: [
        { port: first, host: '127.0.0.1' },
        { port: 0, host: '127.0.0.1', tls: tls('gated') },
      ],
      adminConnector: { port: 0, host: '127.0.0.1' },
    })
    const started = gateway.start()
    await asked.promise // the first port listens; the second waits for its TLS options
    expect((await fetch(`http://127.0.0.1:${first}/openig/ping`)).status).toBe(404)
    gate.fire()
    const { adminPort } = await started
    expect((await fetch(`http://127.0.0.1:${first}/openig/ping`)).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${adminPort}/ping`)).status).toBe(200)
  })

  test('a WebSocket upgrade is tunnelled on a port as soon as it listens', async () => {
    const backend = await startBackend((_req, res) => res.end('plain'))
    const wss = new WebSocketServer({ server: backend.server })
    onTestFinished(() => wss.close())
    wss.on('connection', (socket, req) => socket.send(`hello ${req.url}`))
    const asked = signal()
    const gate = signal()
    providers.set('gated-ws', {
      serverTlsOptions: async () => {
        asked.fire()
        await gate.promise
        return {}
      },
    })
    const first = await freePort()
    const gateway = await startTestGateway(
      {
        connectors: [
          { port: first, host: '127.0.0.1' },
          { port: 0, host: '127.0.0.1', tls: tls('gated-ws') },
        ],
      },
      {
        'ws.json': {
          baseURI: backend.url,
          handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
        },
      },
    )
    const started = gateway.start()
    await asked.promise
    const client = new WebSocket(`ws://127.0.0.1:${first}/ws`)
    const [message] = (await once(client, 'message')) as [Buffer]
    expect(message.toString()).toBe('hello /ws')
    client.close()
    gate.fire()
    await started
  })
})

describe('stopping: requests in flight finish, then every connection closes', () => {
  test('an HTTPS request in flight finishes before stop() closes its connection', async () => {
    const { key, cert } = selfSigned()
    providers.set('tls', { serverTlsOptions: async () => ({ key, cert }) })
    const arrived = signal()
    let release = () => {}
    const backend = await startBackend((_req, res) => {
      release = () => res.end('finished')
      arrived.fire()
    })
    const gateway = await startTestGateway(
      { connectors: [{ port: 0, host: '127.0.0.1', tls: tls('tls') }] },
      { 'app.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
    )
    const { ports } = await gateway.start()
    const pending = fetchInsecure(`https://127.0.0.1:${ports[0]}/slow`)
    await arrived.promise
    const stopped = gateway.stop()
    release()
    expect(await pending).toEqual({ status: 200, body: 'finished' })
    await stopped
  })

  test('idle keep-alive connections do not hold stop()', async () => {
    const gateway = await startTestGateway({ connectors: [{ port: 0, host: '127.0.0.1' }] })
    const { ports } = await gateway.start()
    const res = await fetch(`http://127.0.0.1:${ports[0]}/`) // undici keeps the connection
    expect(res.status).toBe(200)
    await res.text()
    await gateway.stop() // within the test timeout, far below the 10 s drain deadline
  })

  test('a request still in flight at the drain deadline has its connection closed', async () => {
    const arrived = signal()
    const backend = await startBackend(() => arrived.fire()) // never answers
    const proxy = { type: 'ReverseProxyHandler', config: { propagateDisconnection: true } }
    const dir = instanceDir({
      adminJson: { connectors: [{ port: 0, host: '127.0.0.1' }] },
      routes: { 'app.json': { baseURI: backend.url, handler: proxy } },
    })
    const gateway = createGateway({ plugins, instanceDir: dir, env: {}, drainTimeoutMs: 100 })
    const { ports } = await gateway.start()
    const outcome = fetch(`http://127.0.0.1:${ports[0]}/hangs`).then(
      (res) => res.status,
      (err: Error) => err.message,
    )
    await arrived.promise
    await gateway.stop()
    expect(await outcome).toBe('fetch failed')
  })

  test('stop() closes WebSocket tunnels', async () => {
    const backend = await startBackend((_req, res) => res.end('plain'))
    const wss = new WebSocketServer({ server: backend.server })
    onTestFinished(() => wss.close())
    const gateway = await startTestGateway(
      { connectors: [{ port: 0, host: '127.0.0.1' }] },
      {
        'ws.json': {
          baseURI: backend.url,
          handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
        },
      },
    )
    const { ports } = await gateway.start()
    const client = new WebSocket(`ws://127.0.0.1:${ports[0]}/ws`)
    await once(client, 'open')
    const closed = once(client, 'close')
    await gateway.stop()
    await closed
  })
})
