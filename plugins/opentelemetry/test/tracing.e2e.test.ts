import { createServer, type IncomingMessage } from 'node:http'
import { describe, expect, test } from 'vitest'
import http from '@postern/http'
import filters from '@postern/filters'
import { startBackend, startGateway, until } from '@postern/testing'
import opentelemetry from '../src/index.js'

const plugins = [http, filters, opentelemetry]

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: { key: string; value: Record<string, unknown> }[]
  status?: { code?: number }
}

interface Receiver {
  url: string
  spans: OtlpSpan[]
  resources: Record<string, unknown>[]
  requests: IncomingMessage['headers'][]
  waitFor(count: number, deadlineMs?: number): Promise<OtlpSpan[]>
}

/** An OTLP/HTTP trace receiver on 127.0.0.1; answers 503 to the first `failures` exports. */
async function startReceiver(failures = 0): Promise<Receiver> {
  const spans: OtlpSpan[] = []
  const resources: Record<string, unknown>[] = []
  const requests: IncomingMessage['headers'][] = []
  let refused = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests.push(req.headers)
      if (req.url !== '/v1/traces' || req.method !== 'POST') return res.writeHead(404).end()
      if (refused < failures) {
        refused++
        return res.writeHead(503).end()
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        resourceSpans: {
          resource: { attributes: OtlpSpan['attributes'] }
          scopeSpans: { spans: OtlpSpan[] }[]
        }[]
      }
      for (const rs of body.resourceSpans) {
        resources.push(attributesOf(rs.resource.attributes))
        for (const ss of rs.scopeSpans) spans.push(...ss.spans)
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  const { onTestFinished } = await import('vitest')
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())))
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    resources,
    requests,
    waitFor(count, deadlineMs) {
      return until(() => spans.length >= count && spans, {
        ...(deadlineMs ? { timeoutMs: deadlineMs } : {}),
        message: `${count} spans`,
      })
    },
  }
}

function attributesOf(list: OtlpSpan['attributes']): Record<string, unknown> {
  return Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]))
}

const tracingAdmin = (receiver: Receiver, tracing: Record<string, unknown> = {}) => ({
  connectors: [{ port: 0, host: '127.0.0.1' }],
  properties: { bearer: { token: 'collector-token' } },
  openTelemetry: {
    tracing: {
      enabled: true,
      resourceAttributes: { 'service.instance.id': 'gateway1' },
      exporter: {
        config: {
          endpoint: receiver.url,
          headers: { Authorization: 'Bearer ${bearer.token}' }, // the reference's example
          retries: { initialBackoff: '50 ms', maxBackoff: '100 ms' },
        },
        batch: { scheduleDelay: '50 ms' },
      },
      ...tracing,
    },
  },
})

const route = (backendUrl: string) => ({
  'app.json': {
    name: 'app',
    baseURI: backendUrl,
    condition: "${find(request.uri.path, '^/app')}",
    heap: [
      {
        name: 'AddHeader',
        type: 'HeaderFilter',
        config: { messageType: 'REQUEST', add: { 'X-Traced': ['yes'] } },
        tracing: true,
      },
    ],
    handler: { type: 'Chain', config: { filters: ['AddHeader'], handler: 'ReverseProxyHandler' } },
  },
})

describe('OpenTelemetry tracing', () => {
  test('server, route, decorated filter and client spans form one trace continuing the caller’s traceparent', async () => {
    const receiver = await startReceiver()
    let upstreamTraceparent: string | undefined
    const backend = await startBackend((req, res) => {
      upstreamTraceparent = req.headers.traceparent as string | undefined
      res.end(req.headers['x-traced'] === 'yes' ? 'traced' : 'plain')
    })
    const gw = await startGateway({
      plugins,
      adminJson: tracingAdmin(receiver),
      routes: route(backend.url),
    })
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
    const callerSpan = '00f067aa0ba902b7'
    const response = await fetch(gw.url('/app/x?y=1'), {
      headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    })
    expect(await response.text()).toBe('traced')
    const spans = await receiver.waitFor(4)
    expect(spans).toHaveLength(4)
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]))
    const server = byName.GET
    const routeSpan = byName['route app']
    const filter = byName.AddHeader
    const client = spans.find((s) => s.kind === 3)
    expect(server && routeSpan && filter && client).toBeTruthy()
    // one trace, parented as the request went: caller → server → route → filter → client
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([callerTrace]))
    expect(server!.kind).toBe(2)
    expect(server!.parentSpanId).toBe(callerSpan)
    expect(routeSpan!.parentSpanId).toBe(server!.spanId)
    expect(filter!.parentSpanId).toBe(routeSpan!.spanId)
    expect(client!.parentSpanId).toBe(filter!.spanId)
    // the upstream continues the trace from the client span
    expect(upstreamTraceparent).toBe(`00-${callerTrace}-${client!.spanId}-01`)
    expect(attributesOf(server!.attributes)).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/app/x',
      'url.scheme': 'http',
      'http.response.status_code': 200,
    })
    expect(attributesOf(filter!.attributes)).toMatchObject({
      'ig.object.name': 'AddHeader',
      'ig.object.type': 'HeaderFilter',
    })
    expect(attributesOf(client!.attributes)).toMatchObject({
      'url.full': `${backend.url}/app/x?y=1`,
      'http.response.status_code': 200,
    })
    expect(receiver.resources[0]).toMatchObject({
      'service.name': 'PingGateway',
      'service.instance.id': 'gateway1',
    })
    expect(receiver.requests[0]!.authorization).toBe('Bearer collector-token')
    expect(receiver.requests[0]!['content-type']).toBe('application/json')
  })

  test('expressions read the trace: ${contexts.tracing.traceId} and spanId', async () => {
    const receiver = await startReceiver()
    const backend = await startBackend((req, res) => res.end(String(req.headers['x-trace'])))
    const gw = await startGateway({
      plugins,
      adminJson: tracingAdmin(receiver),
      routes: {
        'r.json': {
          name: 'r',
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    add: {
                      'X-Trace': ['${contexts.tracing.traceId}/${contexts.tracing.spanId}'],
                    },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const seen = await (await fetch(gw.url('/x'))).text()
    const spans = await receiver.waitFor(3)
    const route = spans.find((s) => s.name === 'route r')!
    expect(seen).toBe(`${route.traceId}/${route.spanId}`)
  })

  test('a request without traceparent starts a trace; failures mark spans as errors', async () => {
    const receiver = await startReceiver()
    const gw = await startGateway({
      plugins,
      adminJson: tracingAdmin(receiver),
      routes: {
        'down.json': {
          name: 'down',
          // nothing listens on port 9 of loopback: the client fails, the gateway answers 502
          baseURI: 'http://127.0.0.1:9',
          handler: 'ReverseProxyHandler',
        },
      },
    })
    expect((await fetch(gw.url('/anything'))).status).toBe(502)
    const spans = await receiver.waitFor(3)
    const server = spans.find((s) => s.kind === 2)!
    const client = spans.find((s) => s.kind === 3)!
    expect(server.parentSpanId ?? '').toBe('')
    expect(server.status?.code).toBe(2)
    expect(client.status?.code).toBe(2)
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1)
  })

  test('a collector answering 503 gets the spans again (retries); stop exports what the batch holds', async () => {
    const receiver = await startReceiver(2)
    const backend = await startBackend((_req, res) => res.end('ok'))
    const gw = await startGateway({
      plugins,
      adminJson: tracingAdmin(receiver, {
        exporter: {
          config: {
            endpoint: receiver.url,
            retries: { initialBackoff: '20 ms', maxBackoff: '50 ms', maxAttempts: 5 },
          },
          batch: { scheduleDelay: '1 hour' },
        },
      }),
      routes: route(backend.url),
    })
    await (await fetch(gw.url('/app/1'))).text()
    await (await fetch(gw.url('/app/2'))).text()
    expect(receiver.spans).toHaveLength(0) // held by the batch for an hour
    await gw.stop()
    expect(receiver.spans).toHaveLength(8)
    expect(receiver.requests.length).toBeGreaterThanOrEqual(3) // two refused, then accepted
  })

  test('sampler alwaysOff records nothing; the caller’s sampled flag rules parentBased samplers', async () => {
    const receiver = await startReceiver()
    const backend = await startBackend((_req, res) => res.end('ok'))
    const off = await startGateway({
      plugins,
      adminJson: tracingAdmin(receiver, { sampler: { type: 'alwaysOff' } }),
      routes: route(backend.url),
    })
    await (await fetch(off.url('/app/1'))).text()
    await off.stop()
    expect(receiver.spans).toHaveLength(0)
    const parentBased = await startGateway({
      plugins,
      adminJson: tracingAdmin(receiver, { sampler: { type: 'parentBasedAlwaysOn' } }),
      routes: route(backend.url),
    })
    const notSampled = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00'
    await (await fetch(parentBased.url('/app/1'), { headers: { traceparent: notSampled } })).text()
    await (await fetch(parentBased.url('/app/2'))).text()
    await parentBased.stop()
    // only the second request (no parent: sampled) is traced
    expect(receiver.spans).toHaveLength(4)
    expect(new Set(receiver.spans.map((s) => s.traceId)).size).toBe(1)
    expect(receiver.spans[0]!.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736')
  })

  test('tracing off: "tracing": true changes nothing and no span is sent', async () => {
    const receiver = await startReceiver()
    const backend = await startBackend((req, res) => res.end(req.headers.traceparent ?? 'none'))
    const gw = await startGateway({
      plugins,
      adminJson: { connectors: [{ port: 0, host: '127.0.0.1' }] },
      routes: route(backend.url),
    })
    expect(await (await fetch(gw.url('/app/1'))).text()).toBe('none')
    await gw.stop()
    expect(receiver.requests).toHaveLength(0)
  })

  test('a wrong openTelemetry setting fails the start naming admin.json and the pointer', async () => {
    const receiver = await startReceiver()
    await expect(
      startGateway({
        plugins,
        adminJson: tracingAdmin(receiver, { sampler: { type: 'sometimes' } }),
      }),
    ).rejects.toThrow(/config\/admin\.json.*\/openTelemetry\/tracing\/sampler\/type/)
    await expect(
      startGateway({
        plugins,
        adminJson: tracingAdmin(receiver, {
          exporter: { config: { endpoint: receiver.url, timeout: 'soon' } },
        }),
      }),
    ).rejects.toThrow(/\/openTelemetry\/tracing\/exporter\/config\/timeout/)
  })

  test('without this plugin, a gateway refuses "tracing": true naming the type', async () => {
    const gw = await startGateway({
      plugins: [http],
      routes: {
        'traced.json': {
          handler: {
            type: 'StaticResponseHandler',
            tracing: true,
            config: { status: 200 },
          },
        },
      },
    })
    const failed = gw.logs.find((l) => l.msg === 'route not loaded')
    expect(JSON.stringify(failed?.errors)).toContain(
      'unknown type TracingDecorator: no plugin registers it',
    )
  })
})
