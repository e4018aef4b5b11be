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
    expect((await fetch(gw.url('/down'))).status).toBe(500) // ClientHandler propagates its error
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
    // the ClientHandler's error went through the route: a response that threw an exception
    expect(sample(text, 'ig_route_response_error_total', { name: 'down' })).toBe(1)
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

  test('objects decorated with "timer": true give the ig_timerdecorator_* summaries', async () => {
    const backend = await startBackend((_req, res) => res.end('timed'))
    const gw = await startGateway({
      plugins,
      routes: {
        'timed.json': {
          name: 'timed-route',
          condition: "${find(request.uri.path, '^/timed')}",
          heap: [
            { name: 'mytimer', type: 'TimerDecorator', config: { timeUnit: 'us' } },
            { name: 'TxId', type: 'TransactionIdOutboundFilter', mytimer: true },
            { name: 'Backend', type: 'ReverseProxyHandler', timer: true },
          ],
          baseURI: backend.url,
          handler: { type: 'Chain', config: { filters: ['TxId'], handler: 'Backend' } },
          timer: true,
        },
      },
    })
    for (let i = 0; i < 3; i++) expect(await (await fetch(gw.url('/timed'))).text()).toBe('timed')
    const text = await (await fetch(gw.url('/openig/metrics/prometheus/0.0.4'))).text()
    const route = { decorated_object: 'timed-route', heap: 'timed', name: 'timer' }
    const backendHandler = { decorated_object: 'Backend', heap: 'timed', name: 'timer' }
    const filter = { decorated_object: 'TxId', heap: 'timed', name: 'mytimer' }
    for (const labels of [route, backendHandler]) {
      expect(sample(text, 'ig_timerdecorator_handler_elapsed_seconds_count', labels)).toBe(3)
      expect(sample(text, 'ig_timerdecorator_handler_elapsed_seconds_sum', labels)).toBeGreaterThan(
        0,
      )
      for (const quantile of ['0.5', '0.75', '0.95', '0.98', '0.99', '0.999'])
        expect(
          sample(text, 'ig_timerdecorator_handler_elapsed_seconds', { ...labels, quantile }),
        ).toBeGreaterThan(0)
    }
    const sums = Object.fromEntries(
      ['elapsed', 'internal', 'downstream'].map((part) => {
        const family = `ig_timerdecorator_filter_${part}_seconds`
        expect(text).toContain(`# TYPE ${family} summary`)
        expect(sample(text, `${family}_count`, filter)).toBe(3)
        expect(sample(text, family, { ...filter, quantile: '0.5' })).toBeGreaterThan(0)
        return [part, sample(text, `${family}_sum`, filter)!]
      }),
    )
    // the filter's time is its own plus that of the handler after it, which is timed on its own
    expect(sums.internal! + sums.downstream!).toBeCloseTo(sums.elapsed!, 6)
    const backendSum = sample(
      text,
      'ig_timerdecorator_handler_elapsed_seconds_sum',
      backendHandler,
    )!
    expect(sums.downstream).toBeGreaterThanOrEqual(backendSum)
    expect(sample(text, 'ig_timerdecorator_filter_elapsed_seconds_count', route)).toBeUndefined()
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
