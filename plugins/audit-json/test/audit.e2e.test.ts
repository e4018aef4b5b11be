import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import http from '@postern/http'
import audit from '@postern/audit'
import scripting from '@postern/scripting'
import secrets from '@postern/secrets'
import { startBackend, startGateway, until } from '@postern/testing'
import auditJson from '../src/index.js'
import { appAndFailRoutes, myTopicSchema } from './fixtures.js'

const plugins = [http, audit, secrets, auditJson, scripting]

const lines = (file: string): Record<string, unknown>[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : []

const auditServiceWith = (
  handler: Record<string, unknown>,
  config: Record<string, unknown> = {},
) => ({
  name: 'AuditService',
  type: 'AuditService',
  config: {
    config,
    eventHandlers: [
      {
        class: 'org.forgerock.audit.handlers.json.JsonAuditEventHandler',
        config: {
          name: 'json',
          topics: ['access', 'mytopic'],
          logDirectory: 'logs/audit',
          ...handler,
        },
      },
    ],
  },
})

describe('AuditService with JsonAuditEventHandler', () => {
  test('an AuditService named AuditService in config.json audits every route: access events with the documented fields', async () => {
    const backend = await startBackend((_req, res) => res.end('ok'))
    const gw = await startGateway({
      plugins,
      configJson: {
        handler: '_router',
        heap: [
          { name: '_router', type: 'Router' },
          auditServiceWith({ buffering: { writeInterval: '10 ms' } }),
        ],
      },
      routes: appAndFailRoutes(backend.url),
    })
    await (
      await fetch(gw.url('/app/page?secret=1'), {
        headers: {
          'x-forgerock-transactionid': 'ignored',
          authorization: 'Bearer hidden',
          'user-agent': 'test-agent',
        },
      })
    ).text()
    await (await fetch(gw.url('/fail'))).text()
    const file = join(gw.dir, 'logs/audit/access.audit.json')
    await until(() => lines(file).length === 2)
    const [ok, failed] = lines(file)
    expect(ok).toMatchObject({
      eventName: 'OPENIG-HTTP-ACCESS',
      client: { ip: '127.0.0.1' },
      server: { ip: '127.0.0.1' },
      http: {
        request: {
          secure: false,
          method: 'GET',
          queryParameters: {},
          headers: { 'user-agent': ['test-agent'] },
        },
      },
      request: { protocol: 'HTTP/1.1', operation: 'GET' },
      response: { status: 'SUCCESSFUL', statusCode: '200', elapsedTimeUnits: 'MILLISECONDS' },
      ig: { routeId: 'app', routeName: 'app' },
    })
    expect(typeof ok!.transactionId).toBe('string')
    expect(ok!._id).toMatch(new RegExp(`^${String(ok!.transactionId)}-\\d+$`))
    expect(new Date(String(ok!.timestamp)).toISOString()).toBe(ok!.timestamp)
    expect(
      (ok as { http: { request: { path: string; headers: object } } }).http.request.path,
    ).toMatch(/\/app\/page$/)
    // not safelisted: never written
    expect(JSON.stringify(ok)).not.toContain('hidden')
    expect(JSON.stringify(ok)).not.toContain('secret')
    expect(failed).toMatchObject({
      response: { status: 'FAILED', statusCode: '503' },
      ig: { routeId: 'fail' },
    })
  })

  test('filterPolicies: includeIf adds a header and the query, excludeIf removes fields', async () => {
    const gw = await startGateway({
      plugins,
      configJson: {
        handler: '_router',
        heap: [
          { name: '_router', type: 'Router' },
          auditServiceWith(
            { buffering: { writeInterval: '10 ms' } },
            {
              filterPolicies: {
                field: {
                  includeIf: [
                    '/access/http/request/headers/x-custom',
                    '/access/http/request/queryParameters',
                  ],
                  excludeIf: ['/access/http/request/headers/host', '/access/server'],
                },
              },
            },
          ),
        ],
      },
      routes: { 'r.json': { handler: { type: 'StaticResponseHandler', config: { status: 200 } } } },
    })
    await (await fetch(gw.url('/?q=1'), { headers: { 'x-custom': 'yes' } })).text()
    const file = join(gw.dir, 'logs/audit/access.audit.json')
    await until(() => lines(file).length === 1)
    const [event] = lines(file) as {
      http: { request: { headers: Record<string, string[]>; queryParameters: object } }
      server?: unknown
    }[]
    expect(event!.http.request.headers['x-custom']).toEqual(['yes'])
    expect(event!.http.request.headers.host).toBeUndefined()
    expect(event!.http.request.queryParameters).toEqual({ q: ['1'] })
    expect(event!.server).toBeUndefined()
  })

  test('a route auditService, custom topics validated by their schema, and nothing lost on a graceful stop', async () => {
    const gw = await startGateway({
      plugins,
      files: { 'audit-schemas/mytopic.json': JSON.stringify(myTopicSchema) },
      configJson: {
        handler: '_router',
        heap: [
          { name: '_router', type: 'Router' },
          // not named AuditService: only routes that refer to it are audited
          {
            ...auditServiceWith({ buffering: { writeInterval: '1 hour', maxSize: 1000 } }),
            name: 'MyAudit',
          },
        ],
      },
      routes: {
        'audited.json': {
          condition: "${request.uri.path == '/audited'}",
          auditService: 'MyAudit',
          handler: {
            type: 'ScriptableHandler',
            config: {
              type: 'application/javascript',
              source: [
                "const audit = await heap.get('MyAudit')",
                "const base = { _id: 'c1', timestamp: new Date().toISOString(), transactionId: 'tx', eventName: 'custom' }",
                "await audit.publish('mytopic', { ...base, customField: 'value' })",
                "await audit.publish('mytopic', { ...base, customField: 42 })",
                'return new Response(Status.OK)',
              ],
            },
          },
        },
        'quiet.json': {
          condition: "${request.uri.path == '/quiet'}",
          handler: { type: 'StaticResponseHandler', config: { status: 200 } },
        },
      },
    })
    await (await fetch(gw.url('/audited'))).text()
    await (await fetch(gw.url('/quiet'))).text()
    const dir = join(gw.dir, 'logs/audit')
    expect(lines(join(dir, 'access.audit.json'))).toHaveLength(0) // buffered for an hour
    await gw.stop()
    const access = lines(join(dir, 'access.audit.json'))
    expect(access.map((e) => (e.ig as { routeId: string }).routeId)).toEqual(['audited'])
    const custom = lines(join(dir, 'mytopic.audit.json'))
    expect(custom).toEqual([expect.objectContaining({ _id: 'c1', customField: 'value' })])
    expect(
      gw.logs.some((l) => l.msg === 'audit event does not match its topic schema: dropped'),
    ).toBe(true)
  })

  test('rotation by size keeps maxNumberOfHistoryFiles', async () => {
    const gw = await startGateway({
      plugins,
      configJson: {
        handler: '_router',
        heap: [
          { name: '_router', type: 'Router' },
          auditServiceWith({
            buffering: { writeInterval: '1 ms', maxSize: 1 },
            fileRotation: {
              rotationEnabled: true,
              maxFileSize: 1500,
              rotationFileSuffix: '-HHmmss',
            },
            fileRetention: { maxNumberOfHistoryFiles: 2 },
          }),
        ],
      },
      routes: { 'r.json': { handler: { type: 'StaticResponseHandler', config: { status: 200 } } } },
    })
    for (let i = 0; i < 12; i++) await (await fetch(gw.url(`/${i}`))).text()
    await gw.stop()
    const files = readdirSync(join(gw.dir, 'logs/audit')).filter((f) =>
      f.startsWith('access.audit.json'),
    )
    expect(files).toContain('access.audit.json')
    expect(files.length).toBe(3) // the current file and two history files
  })
})
