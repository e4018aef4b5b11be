import { describe, expect, test } from 'vitest'
import http from '@postern/http'
import audit from '@postern/audit'
import { configErrorsOf, startBackend, startGateway } from '@postern/testing'
import auditSyslog from '../src/index.js'
import { freePort, startRsyslog } from './rsyslog.js'

const plugins = [http, audit, auditSyslog]

const syslogHandler = (config: Record<string, unknown>) => ({
  class: 'org.forgerock.audit.handlers.syslog.SyslogAuditEventHandler',
  config: {
    name: 'syslog',
    topics: ['access'],
    host: '127.0.0.1',
    facility: 'local0',
    ...config,
  },
})

/** A gateway whose AuditService (named AuditService: every route is audited) sends to syslog. */
async function gatewayWith(handler: Record<string, unknown>, backendUrl: string) {
  return startGateway({
    plugins,
    configJson: {
      handler: '_router',
      heap: [
        { name: '_router', type: 'Router' },
        {
          name: 'AuditService',
          type: 'AuditService',
          config: { config: {}, eventHandlers: [syslogHandler(handler)] },
        },
      ],
    },
    routes: {
      'app.json': {
        name: 'app',
        condition: "${find(request.uri.path, '^/app')}",
        baseURI: backendUrl,
        handler: 'ReverseProxyHandler',
      },
      'fail.json': {
        name: 'fail',
        condition: "${request.uri.path == '/fail'}",
        handler: { type: 'StaticResponseHandler', config: { status: 503 } },
      },
    },
  })
}

describe('SyslogAuditEventHandler against rsyslogd', () => {
  test('UDP: access events arrive as RFC 5424 messages with facility, mapped severity and structured data', async () => {
    const rsyslog = await startRsyslog()
    const backend = await startBackend((_req, res) => res.end('ok'))
    const gw = await gatewayWith(
      {
        protocol: 'UDP',
        port: rsyslog.udpPort,
        facility: 'local3',
        severityFieldMappings: [
          {
            topic: 'access',
            field: 'response/status',
            valueMappings: { SUCCESSFUL: 'INFORMATIONAL', FAILED: 'error' },
          },
        ],
      },
      backend.url,
    )
    expect(
      (await fetch(gw.url('/app/page?q=1'), { headers: { 'user-agent': 'ua"]' } })).status,
    ).toBe(200)
    expect((await fetch(gw.url('/fail'))).status).toBe(503)
    const messages = await rsyslog.waitFor(2)
    expect(messages).toHaveLength(2)
    const [ok, failed] = messages
    expect(ok).toMatchObject({
      facility: 'local3',
      severity: 'info',
      appName: 'PingGateway',
      procId: String(process.pid),
      msgId: 'OPENIG-HTTP-ACCESS',
      sdId: 'access.PingGateway@36733',
    })
    expect(Date.parse(ok!.timestamp)).toBeGreaterThan(Date.now() - 60_000)
    expect(ok!.params).toMatchObject({
      'http.request.method': 'GET',
      'http.request.path': expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/app\/page$/),
      'response.status': 'SUCCESSFUL',
      'response.statusCode': '200',
      'response.elapsedTimeUnits': 'MILLISECONDS',
      'ig.routeId': 'app',
      'client.ip': '127.0.0.1',
    })
    // header values with `"` and `]` survive the escaping, as rsyslog reads them
    const headers = JSON.parse(ok!.params['http.request.headers']!) as Record<string, string[]>
    expect(headers['user-agent']).toEqual(['ua"]'])
    expect(ok!.params.transactionId).toMatch(/\S/)
    expect(failed).toMatchObject({ facility: 'local3', severity: 'err' })
    expect(failed!.params).toMatchObject({ 'response.statusCode': '503', 'ig.routeId': 'fail' })
  })

  test('TCP: octet-counted frames; many events on one connection, in order', async () => {
    const rsyslog = await startRsyslog()
    const backend = await startBackend((_req, res) => res.end('ok'))
    const gw = await gatewayWith(
      { protocol: 'tcp', port: rsyslog.tcpPort, connectTimeout: 2000, facility: 'auth' },
      backend.url,
    )
    for (let i = 0; i < 30; i++) await (await fetch(gw.url(`/app/${i}`))).text()
    const messages = await rsyslog.waitFor(30)
    expect(messages).toHaveLength(30)
    expect(messages.every((m) => m.facility === 'auth' && m.severity === 'info')).toBe(true)
    expect(messages.map((m) => m.params['http.request.path']!.split('/').at(-1))).toEqual(
      Array.from({ length: 30 }, (_, i) => String(i)),
    )
  })

  test('a syslog outage does not hold requests; queued events are sent once the daemon is up', async () => {
    const port = await freePort() // nothing listens there yet
    const backend = await startBackend((_req, res) => res.end('ok'))
    const gw = await gatewayWith(
      { protocol: 'TCP', port, connectTimeout: 30_000, facility: 'local1' },
      backend.url,
    )
    const started = Date.now()
    for (let i = 0; i < 10; i++) expect((await fetch(gw.url(`/app/${i}`))).status).toBe(200)
    // ten requests answered while connecting fails: nothing waited for the 30 s connect timeout
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(gw.logs.some((l) => l.msg === 'syslog daemon unreachable: audit events queued')).toBe(
      true,
    )
    const rsyslog = await startRsyslog({ tcpPort: port })
    const messages = await rsyslog.waitFor(10, 10_000)
    expect(messages.map((m) => m.params['http.request.path']!.split('/').at(-1))).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i)),
    )
  })

  test('graceful stop: buffered events are sent before the gateway exits', async () => {
    const rsyslog = await startRsyslog()
    const backend = await startBackend((_req, res) => res.end('ok'))
    const gw = await gatewayWith(
      {
        protocol: 'TCP',
        port: rsyslog.tcpPort,
        connectTimeout: 2000,
        buffering: { enabled: true, maxSize: 1000 },
      },
      backend.url,
    )
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await fetch(gw.url(`/app/${i}`))).text()),
    )
    await gw.stop()
    const messages = await rsyslog.waitFor(20)
    expect(messages).toHaveLength(20)
  })

  test('configuration errors name the object and the property', async () => {
    const backend = await startBackend((_req, res) => res.end('ok'))
    const handlerConfig = '/heap/1/config/eventHandlers/0/config'
    const object = {
      name: '{SyslogAuditEventHandler}/heap/1/config/eventHandlers/0',
      type: 'SyslogAuditEventHandler',
    }
    const errorsOf = (config: Record<string, unknown>) =>
      configErrorsOf(gatewayWith(config, backend.url))
    expect(await errorsOf({ protocol: 'TCP', port: 514 })).toEqual([
      expect.objectContaining({
        code: 'ERR_POSTERN_CONFIG',
        source: 'config/config.json',
        pointer: `${handlerConfig}/connectTimeout`,
        object,
        reason: 'is required when protocol is TCP',
      }),
    ])
    const mappings = [
      { topic: 'access', field: 'response/status', valueMappings: { FAILED: 'loud' } },
    ]
    expect(await errorsOf({ protocol: 'UDP', port: 514, severityFieldMappings: mappings })).toEqual(
      [
        expect.objectContaining({
          pointer: `${handlerConfig}/severityFieldMappings/0/valueMappings/FAILED`,
          reason:
            '"loud" is not a syslog severity (emergency, alert, critical, error, warning, notice, informational, debug)',
        }),
      ],
    )
    expect(await errorsOf({ protocol: 'SCTP', port: 514 })).toEqual([
      expect.objectContaining({ code: 'ERR_POSTERN_CONFIG', pointer: `${handlerConfig}/protocol` }),
    ])
    expect(await errorsOf({ protocol: 'UDP', port: 514, facility: 'local9' })).toEqual([
      expect.objectContaining({ code: 'ERR_POSTERN_CONFIG', pointer: `${handlerConfig}/facility` }),
    ])
  })
})
