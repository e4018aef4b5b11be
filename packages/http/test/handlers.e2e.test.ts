import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { describe, expect, test } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { startBackend, startGateway } from '@postern/testing'
import http from '../src/index.js'

const plugins = [http]

describe('SequenceHandler', () => {
  test('calls handlers in turn while each postcondition holds, and returns the last response', async () => {
    const seen: string[] = []
    const backend = await startBackend((req, res) => {
      seen.push(req.url ?? '')
      res.statusCode = req.url === '/fail' ? 500 : 200
      res.end(req.url)
    })
    const step = (path: string) => ({
      type: 'Chain',
      config: {
        filters: [],
        handler: { type: 'StaticResponseHandler', config: { status: 200, entity: path } },
      },
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'seq.json': {
          condition: "${request.uri.path == '/seq'}",
          handler: {
            type: 'SequenceHandler',
            config: {
              bindings: [
                { handler: step('first'), postcondition: "${response.entity.string == 'first'}" },
                { handler: step('second'), postcondition: '${false}' },
                { handler: step('third') },
              ],
            },
          },
        },
        'stop.json': {
          condition: "${request.uri.path == '/fail'}",
          baseURI: backend.url,
          handler: {
            type: 'SequenceHandler',
            config: {
              bindings: [
                { handler: 'ReverseProxyHandler', postcondition: '${response.status.code == 200}' },
                { handler: step('never') },
              ],
            },
          },
        },
      },
    })
    expect(await (await fetch(gw.url('/seq'))).text()).toBe('second')
    const failed = await fetch(gw.url('/fail'))
    expect(failed.status).toBe(500)
    expect(seen).toEqual(['/fail'])
  })
})

describe('ResourceHandler', () => {
  test('serves files with their content type and welcome pages under a base path, never outside the directories', async () => {
    const gw = await startGateway({
      plugins,
      files: {
        'static/one/index.html': '<h1>home</h1>',
        'static/two/app.js': 'alert(1)',
        'secret.txt': 'no',
      },
    })
    writeFileSync(
      join(gw.dir, 'config/routes/static.json'),
      JSON.stringify({
        handler: {
          type: 'ResourceHandler',
          config: {
            directories: [join(gw.dir, 'static/one'), join(gw.dir, 'static/two')],
            basePath: '/website',
            welcomePages: ['index.html'],
          },
        },
      }),
    )
    await gw.gateway.heap.get<{ scan(): Promise<void> }>('_router').then((r) => r.scan())
    const home = await fetch(gw.url('/website'))
    expect(home.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    expect(await home.text()).toBe('<h1>home</h1>')
    const js = await fetch(gw.url('/website/app.js'))
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=UTF-8')
    expect(await js.text()).toBe('alert(1)')
    expect((await fetch(gw.url('/website/..%2F..%2Fsecret.txt'))).status).toBe(404)
    expect((await fetch(gw.url('/website/missing.html'))).status).toBe(404)
    expect((await fetch(gw.url('/elsewhere'))).status).toBe(404)
    expect((await fetch(gw.url('/website/app.js'), { method: 'POST', body: 'x' })).status).toBe(405)
  })
})

describe('ForgeRockClientHandler and TransactionIdOutboundFilter', () => {
  test('the default ForgeRockClientHandler sends a sub-transaction ID of the request', async () => {
    const backend = await startBackend((req, res) =>
      res.end(String(req.headers['x-forgerock-transactionid'])),
    )
    const gw = await startGateway({
      plugins,
      systemProperties: { 'org.forgerock.http.TrustTransactionHeader': 'true' },
      routes: { 'fr.json': { baseURI: backend.url, handler: 'ForgeRockClientHandler' } },
    })
    const res = await fetch(gw.url('/'), { headers: { 'X-ForgeRock-TransactionId': 'tx-123' } })
    expect(await res.text()).toBe('tx-123/0')
    const fresh = await (await fetch(gw.url('/'))).text()
    expect(fresh).toMatch(/^[0-9a-f-]{36}\/0$/)
  })
})

describe('WebSocket through ReverseProxyHandler', () => {
  test('with websocket.enabled, the upgrade is tunnelled to the application and messages flow both ways', async () => {
    const backend = await startBackend((_req, res) => res.end('plain'))
    const wss = new WebSocketServer({ server: backend.server })
    wss.on('connection', (socket, req) => {
      socket.send(`hello ${req.url}`)
      socket.on('message', (data) => socket.send(`echo ${data.toString()}`))
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'ws.json': {
          condition: "${find(request.uri.path, '^/ws')}",
          baseURI: backend.url,
          handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
        },
        'off.json': {
          condition: "${find(request.uri.path, '^/other')}",
          baseURI: backend.url,
          handler: 'ReverseProxyHandler',
        },
      },
    })
    const client = new WebSocket(gw.url('/ws/chat').replace('http', 'ws'))
    const messages: string[] = []
    client.on('message', (data) => messages.push(data.toString()))
    await once(client, 'open')
    client.send('ping')
    while (messages.length < 2) await once(client, 'message')
    expect(messages).toEqual(['hello /ws/chat', 'echo ping'])
    client.close()
    wss.close()
    // websocket not enabled: the upgrade is refused, the connection closed
    const refused = new WebSocket(gw.url('/other').replace('http', 'ws'))
    const [err] = (await once(refused, 'error')) as [Error]
    expect(err.message).toMatch(/Unexpected server response: 200/)
  })
})
