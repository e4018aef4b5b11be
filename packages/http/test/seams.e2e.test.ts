import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { describe, expect, test } from 'vitest'
import {
  CHANNEL_CLIENT_REQUEST_FINISH,
  CHANNEL_ROUTE_REQUEST_FINISH,
  CHANNEL_ROUTER_ROUTES,
  CHANNEL_SERVER_CONNECTION,
  CHANNEL_SERVER_REQUEST_FINISH,
  definePlugin,
  heaplet,
  Response,
  Type,
  type AuditService,
  type ClientRequestMessage,
  type Filter,
  type GatewayServices,
  type RouteRequestMessage,
  type RouterRoutesMessage,
  type ServerConnectionMessage,
  type ServerRequestMessage,
} from '@postern/core'
import { startBackend, startGateway, until } from '@postern/testing'
import http from '../src/index.js'

/** Collects the messages of one channel for the test's gateway. */
function collect<T extends { gateway?: string }>(name: string) {
  const messages: T[] = []
  const listener = (message: unknown) => messages.push(message as T)
  subscribe(name, listener)
  return {
    of: (gateway: string) => messages.filter((m) => m.gateway === gateway),
    close: () => unsubscribe(name, listener),
  }
}

describe('plugin setup', () => {
  test('a plugin mounts admin endpoints, with the default or its own protection, and stops last', async () => {
    const events: string[] = []
    let services: GatewayServices | undefined
    const deny: Filter = { filter: async () => Response.of(401) }
    const plugin = definePlugin({
      name: 'setup-test',
      version: '1.0.0',
      core: '^1.0.0',
      setup: (gateway) => {
        services = gateway
        gateway.mount(
          '/open',
          { handle: async () => new Response({ status: 200, entity: 'open' }) },
          {
            filter: null,
          },
        )
        gateway.mount('/closed', { handle: async () => Response.of(200) }, { filter: deny })
        gateway.mount('/default', {
          handle: async (_c, request) => new Response({ status: 200, entity: request.uri.path }),
        })
        gateway.onStop(() => void events.push('stop hook'))
      },
    })
    const gw = await startGateway({
      plugins: [http, plugin],
      adminJson: {
        connectors: [{ port: 0, host: '127.0.0.1' }],
        apiProtectionFilter: { type: 'ChainOfFilters', config: { filters: [] } },
      },
    })
    expect(services?.id).toBe(gw.gateway.id)
    expect(services?.instance.gatewayId).toBe(gw.gateway.id)
    expect(services?.adminConfig.connectors).toEqual([{ port: 0, host: '127.0.0.1' }])
    expect(await (await fetch(gw.url('/openig/open'))).text()).toBe('open')
    expect((await fetch(gw.url('/openig/closed'))).status).toBe(401)
    // the default protection is the apiProtectionFilter: here a pass-through
    const inner = await fetch(gw.url('/openig/default/x?y=1'))
    expect(await inner.text()).toBe('/default/x')
    await gw.stop()
    expect(events).toEqual(['stop hook'])
  })

  test('a plugin whose setup throws stops the start with a PluginError naming it', async () => {
    const plugin = definePlugin({
      name: 'broken-setup',
      version: '1.0.0',
      core: '^1.0.0',
      setup: () => {
        throw new Error('no way')
      },
    })
    await expect(startGateway({ plugins: [http, plugin] })).rejects.toThrow(
      'plugin broken-setup: setup failed: no way',
    )
  })
})

describe('diagnostics channels', () => {
  test('server, connection, route, router and client messages carry the gateway id', async () => {
    const server = collect<ServerRequestMessage>(CHANNEL_SERVER_REQUEST_FINISH)
    const connection = collect<ServerConnectionMessage>(CHANNEL_SERVER_CONNECTION)
    const route = collect<RouteRequestMessage>(CHANNEL_ROUTE_REQUEST_FINISH)
    const router = collect<RouterRoutesMessage>(CHANNEL_ROUTER_ROUTES)
    const client = collect<ClientRequestMessage>(CHANNEL_CLIENT_REQUEST_FINISH)
    try {
      const backend = await startBackend((_req, res) => res.end('hello from the backend'))
      const gw = await startGateway({
        plugins: [http],
        routes: {
          'proxy.json': {
            name: 'proxy',
            condition: "${find(request.uri.path, '^/app')}",
            handler: { name: 'upstream', type: 'ReverseProxyHandler' },
            baseURI: backend.url,
          },
        },
      })
      const id = gw.gateway.id
      const answer = await fetch(gw.url('/app/x'), { method: 'POST', body: 'twelve bytes' })
      expect(await answer.text()).toBe('hello from the backend')
      expect((await fetch(gw.url('/none'))).status).toBe(404)
      await until(() => server.of(id).length === 2, { message: 'two server request messages' })
      const [first, second] = server.of(id)
      expect(first).toMatchObject({ method: 'POST', status: 200, reset: false })
      expect(first!.local).toMatch(/^127\.0\.0\.1:\d+$/)
      expect(first!.requestBytes).toBe(12)
      expect(first!.responseBytes).toBeGreaterThan('hello from the backend'.length)
      expect(second).toMatchObject({ method: 'GET', status: 404 })
      expect(route.of(id)).toEqual([
        expect.objectContaining({
          router: '_router',
          route: 'proxy',
          routeId: 'proxy',
          status: 200,
        }),
      ])
      expect(client.of(id)).toEqual([
        expect.objectContaining({
          handler: 'upstream',
          remote: backend.url,
          method: 'POST',
          status: 200,
          requestBytes: 12,
        }),
      ])
      gw.writeRoute('second.json', {
        handler: { type: 'StaticResponseHandler', config: { status: 200 } },
      })
      await gw.gateway.heap.get<{ scan(): Promise<void> }>('_router').then((r) => r.scan())
      expect(router.of(id).at(-1)).toEqual({ gateway: id, router: '_router', routes: 2 })
      expect(connection.of(id).some((m) => m.open)).toBe(true)
    } finally {
      for (const c of [server, connection, route, router, client]) c.close()
    }
  })
})

describe('audit seam', () => {
  const recorded: { route: string; status: number }[] = []
  const auditPlugin = definePlugin({
    name: 'audit-seam-test',
    version: '1.0.0',
    core: '^1.0.0',
    types: {
      RecordingAuditService: heaplet({
        schema: Type.Object({}),
        create: (): AuditService => ({
          accessFilter: (route) => ({
            filter: async (context, request, next) => {
              const response = await next.handle(context, request)
              recorded.push({ route: route.name, status: response.status.code })
              return response
            },
          }),
          publish: async () => {},
        }),
      }),
    },
  })

  test('the AuditService heap object audits every route; a route auditService overrides it; NoOp records nothing', async () => {
    const gw = await startGateway({
      plugins: [http, auditPlugin],
      configJson: {
        heap: [
          { name: 'AuditService', type: 'RecordingAuditService' },
          { name: 'Quiet', type: 'NoOpAuditService' },
          { name: '_router', type: 'Router', config: { scanInterval: 'disabled' } },
        ],
        handler: '_router',
      },
      routes: {
        'a.json': {
          name: 'a',
          condition: "${request.uri.path == '/a'}",
          handler: { type: 'StaticResponseHandler', config: { status: 201 } },
        },
        'b.json': {
          name: 'b',
          condition: "${request.uri.path == '/b'}",
          auditService: 'Quiet',
          handler: { type: 'StaticResponseHandler', config: { status: 202 } },
        },
      },
    })
    expect((await fetch(gw.url('/a'))).status).toBe(201)
    expect((await fetch(gw.url('/b'))).status).toBe(202)
    expect(recorded).toEqual([{ route: 'a', status: 201 }])
  })

  test('an auditService that is not an AuditService is a configuration error of the route', async () => {
    const gw = await startGateway({
      plugins: [http],
      routes: {
        'bad.json': {
          auditService: { type: 'StaticResponseHandler', config: { status: 200 } },
          handler: { type: 'StaticResponseHandler', config: { status: 200 } },
        },
      },
    })
    const line = gw.logs.find((l) => l.msg === 'route not loaded')
    expect(line?.errors).toEqual([
      {
        source: 'config/routes/bad.json',
        pointer: '/auditService',
        reason: 'heap object "{StaticResponseHandler}/auditService" is not an AuditService',
      },
    ])
  })
})
