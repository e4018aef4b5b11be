import { describe, expect, test } from 'vitest'
import http from '@postern/http'
import filters from '@postern/filters'
import { startBackend, startGateway } from '@postern/testing'
import monitoring, { familyOf } from '../src/index.js'

const plugins = [http, monitoring]

/** The value of one sample line of the exposition. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const m = /^([a-z_]+)(\{(.*)\})? (.+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const found = Object.fromEntries(
      [...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    )
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[4])
  }
  return undefined
}

describe('the Prometheus scrape endpoint', () => {
  test('counts real traffic: server, route, router and client metrics with IG names and labels', async () => {
    const backend = await startBackend((req, res) => {
      res.writeHead(req.url === '/missing' ? 404 : 200).end('hello')
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'app.json': {
          name: 'app',
          condition: "${find(request.uri.path, '^/app')}",
          baseURI: backend.url,
          handler: 'ReverseProxyHandler',
        },
        'down.json': {
          name: 'down',
          condition: "${find(request.uri.path, '^/down')}",
          baseURI: 'http://127.0.0.1:9',
          handler: { name: 'DownClient', type: 'ClientHandler' },
        },
      },
    })
    for (let i = 0; i < 3; i++) await (await fetch(gw.url('/app/x'))).text()
    expect((await fetch(gw.url('/down'))).status).toBe(502)
    expect((await fetch(gw.url('/elsewhere'))).status).toBe(404)
    const scrape = await fetch(gw.url('/openig/metrics/prometheus/0.0.4'))
    expect(scrape.status).toBe(200)
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await scrape.text()
    const route = { name: 'app', route: 'app', router: '_router' }
    expect(sample(text, 'ig_route_request_total', route)).toBe(3)
    expect(sample(text, 'ig_route_response_status_total', { ...route, family: 'successful' })).toBe(
      3,
    )
    expect(sample(text, 'ig_route_response_time_seconds_count', route)).toBe(3)
    expect(
      sample(text, 'ig_route_response_time_seconds', { ...route, quantile: '0.999' }),
    ).toBeGreaterThan(0)
    expect(sample(text, 'ig_route_request_active', route)).toBe(0)
    expect(
      sample(text, 'ig_route_response_status_total', { name: 'down', family: 'server_error' }),
    ).toBe(1)
    expect(
      sample(text, 'ig_router_deployed_routes', {
        name: '_router',
        heap: 'gateway',
        fully_qualified_name: 'gateway._router',
      }),
    ).toBe(2)
    // the server saw 5 GETs (the scrape itself is being answered)
    const local = /ig_http_server_requests_total\{local="([^"]+)"/.exec(text)![1]!
    expect(sample(text, 'ig_http_server_requests_total', { local, method: 'GET' })).toBe(6)
    expect(sample(text, 'ig_http_server_requests', { local, method: 'GET' })).toBe(6)
    expect(
      sample(text, 'ig_http_server_response_time_seconds_count', {
        local,
        method: 'GET',
        code: '200',
      }),
    ).toBe(3)
    expect(
      sample(text, 'ig_http_server_response_time_seconds_count', {
        local,
        method: 'GET',
        code: '404',
      }),
    ).toBe(1)
    expect(sample(text, 'ig_http_server_active_requests', { local })).toBe(1)
    expect(sample(text, 'ig_http_server_active_connections', { local })).toBeGreaterThanOrEqual(1)
    expect(
      sample(text, 'ig_http_client_requests_total', {
        local: 'ReverseProxyHandler',
        remote: backend.url,
        method: 'GET',
      }),
    ).toBe(3)
    expect(
      sample(text, 'ig_http_client_responses_total', { local: 'ReverseProxyHandler', code: '200' }),
    ).toBe(3)
    expect(sample(text, 'ig_http_client_responses_total', { local: 'DownClient', code: '0' })).toBe(
      1,
    )
    // Node's process metrics, with the ig_ prefix
    expect(text).toContain('ig_process_cpu_user_seconds_total')
    expect(text).toContain('ig_nodejs_heap_size_used_bytes')
  })

  test('routes deployed later update ig_router_deployed_routes; the deprecated endpoint answers too', async () => {
    const gw = await startGateway({ plugins })
    const scrape = async (path = '/openig/metrics/prometheus/0.0.4') =>
      (await fetch(gw.url(path))).text()
    expect(sample(await scrape(), 'ig_router_deployed_routes', { name: '_router' })).toBe(0)
    gw.writeRoute('new.json', {
      handler: { type: 'StaticResponseHandler', config: { status: 200 } },
    })
    await gw.gateway.heap.get<{ scan(): Promise<void> }>('_router').then((r) => r.scan())
    expect(
      sample(await scrape('/openig/metrics/prometheus'), 'ig_router_deployed_routes', {
        name: '_router',
      }),
    ).toBe(1)
    expect((await fetch(gw.url('/openig/metrics/prometheus/other'))).status).toBe(404)
  })

  test('metricsProtectionFilter protects it; serveDeprecatedPrometheusEndpoint false removes the old path', async () => {
    const gw = await startGateway({
      plugins,
      adminJson: {
        connectors: [{ port: 0, host: '127.0.0.1' }],
        serveDeprecatedPrometheusEndpoint: false,
        metricsProtectionFilter: {
          type: 'ChainOfFilters',
          config: {
            filters: [],
          },
        },
      },
    })
    expect((await fetch(gw.url('/openig/metrics/prometheus/0.0.4'))).status).toBe(200)
    expect((await fetch(gw.url('/openig/metrics/prometheus'))).status).toBe(404)
    const denied = await startGateway({
      plugins: [http, filters, monitoring],
      adminJson: {
        connectors: [{ port: 0, host: '127.0.0.1' }],
        metricsProtectionFilter: {
          type: 'ConditionEnforcementFilter',
          config: { condition: "${request.headers['X-Metrics-Key'][0] == 'let-me-in'}" },
        },
      },
    })
    const url = denied.url('/openig/metrics/prometheus/0.0.4')
    expect((await fetch(url)).status).toBe(403)
    expect((await fetch(url, { headers: { 'X-Metrics-Key': 'let-me-in' } })).status).toBe(200)
  })

  test('status families', () => {
    expect([101, 204, 302, 404, 503, 600].map(familyOf)).toEqual([
      'informational',
      'successful',
      'redirection',
      'client_error',
      'server_error',
      'unknown',
    ])
  })
})
