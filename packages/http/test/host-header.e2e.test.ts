import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createSecureServer, type ServerHttp2Session } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { afterAll, describe, expect, onTestFinished, test } from 'vitest'
import { definePlugin, heaplet, Type } from '@postern/core'
import { startBackend, startGateway } from '@postern/testing'
import http from '../src/index.js'

// A certificate for the application at 127.0.0.1 (an IP subject-alt name), trusted as its own CA.
const dir = mkdtempSync(join(tmpdir(), 'postern-host-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=app',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    'key.pem',
    '-out',
    'cert.pem',
  ],
  { cwd: dir, stdio: 'ignore' },
)
const key = readFileSync(join(dir, 'key.pem'))
const cert = readFileSync(join(dir, 'cert.pem'))

/** ClientTlsOptions trusting the application's certificate, hostnames checked as Node does. */
const trust = definePlugin({
  name: 'trust-app',
  version: '1.0.0',
  core: '^1.0.0',
  types: {
    TrustApp: heaplet({
      schema: Type.Object({}),
      create: () => ({ clientTlsOptions: async () => ({ ca: cert }) }),
    }),
  },
})

const plugins = [http, trust]

/** GET through the gateway with the Host header a browser of ig.example.com:8443 sends. */
function get(url: string, host = 'ig.example.com:8443'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function listen(server: ReturnType<typeof createHttpsServer>): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(async () => {
    server.closeAllConnections?.()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return (server.address() as AddressInfo).port
}

describe("the client's Host header reaches the application (IG keeps it when it proxies)", () => {
  test('ReverseProxyHandler and ClientHandler send the Host the client sent, not the baseURI authority', async () => {
    const backend = await startBackend((req, res) => res.end(`${req.headers.host} ${req.url}`))
    const gw = await startGateway({
      plugins,
      routes: {
        'proxy.json': {
          condition: "${request.uri.path == '/home/chain'}",
          baseURI: backend.url,
          handler: 'ReverseProxyHandler',
        },
        'client.json': {
          condition: "${request.uri.path == '/api'}",
          baseURI: backend.url,
          handler: 'ClientHandler',
        },
      },
    })
    expect(await get(gw.url('/home/chain'))).toEqual({
      status: 200,
      body: 'ig.example.com:8443 /home/chain',
    })
    expect((await get(gw.url('/api'), 'api.example.com')).body).toBe('api.example.com /api')
  })

  test('over HTTPS the application is still verified by its own address, not by the Host', async () => {
    const server = createHttpsServer({ key, cert }, (req, res) => {
      const sni = (req.socket as TLSSocket).servername
      res.end(`${req.headers.host} sni=${sni || 'none'}`)
    })
    const port = await listen(server)
    const gw = await startGateway({
      plugins,
      routes: {
        'tls.json': {
          baseURI: `https://127.0.0.1:${port}`,
          handler: { type: 'ReverseProxyHandler', config: { tls: { type: 'TrustApp' } } },
        },
      },
    })
    // no server name for an IP address (RFC 6066): the Host's name is not sent or checked
    expect(await get(gw.url('/'))).toEqual({ status: 200, body: 'ig.example.com:8443 sni=none' })
  })

  test('protocolVersion HTTP/2: the Host becomes :authority', async () => {
    const server = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
      res.end(`${req.httpVersion} ${req.headers[':authority'] ?? req.headers.host}`)
    })
    const sessions = new Set<ServerHttp2Session>()
    server.on('session', (session: ServerHttp2Session) => sessions.add(session))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(async () => {
      for (const session of sessions) session.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
    const port = (server.address() as AddressInfo).port
    const gw = await startGateway({
      plugins,
      routes: {
        'h2.json': {
          baseURI: `https://127.0.0.1:${port}`,
          handler: {
            type: 'ReverseProxyHandler',
            config: { protocolVersion: 'HTTP/2', tls: { type: 'TrustApp' } },
          },
        },
      },
    })
    expect((await get(gw.url('/'))).body).toBe('2.0 ig.example.com:8443')
  })
})
