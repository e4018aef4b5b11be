import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import http from '@postern/http'
import audit from '@postern/audit'
import scripting from '@postern/scripting'
import secrets from '@postern/secrets'
import { instanceDir, startBackend, startGateway, until } from '@postern/testing'
import auditJson, { ACCESS_COLUMNS, verifyCsvAuditFile } from '../src/index.js'
import { parseCsv, DEFAULT_FORMAT } from '../src/csv.js'
import { auditKeystore, KEYSTORE_PASSWORD } from './keystore.js'
import { appAndFailRoutes, myTopicSchema } from './fixtures.js'

const plugins = [http, audit, secrets, auditJson, scripting]

const records = (file: string): string[][] =>
  existsSync(file) ? parseCsv(readFileSync(file, 'utf8'), DEFAULT_FORMAT).records : []

/** The cells of a row by column name. */
const byColumn = (header: string[], row: string[]) =>
  Object.fromEntries(header.map((column, i) => [column, row[i]]))

const auditServiceWith = (handler: Record<string, unknown>, name = 'AuditService') => ({
  name,
  type: 'AuditService',
  config: {
    eventHandlers: [
      {
        class: 'org.forgerock.audit.handlers.csv.CsvAuditEventHandler',
        config: { name: 'csv', topics: ['access'], logDirectory: 'logs/audit', ...handler },
      },
    ],
  },
})

const staticRoute = { handler: { type: 'StaticResponseHandler', config: { status: 200 } } }

describe('AuditService with CsvAuditEventHandler', () => {
  test('access events reach <logDirectory>/access.csv: a header, then one row per request', async () => {
    const backend = await startBackend((_req, res) => res.end('ok'))
    const gw = await startGateway({
      plugins,
      configJson: {
        handler: '_router',
        heap: [{ name: '_router', type: 'Router' }, auditServiceWith({})],
      },
      routes: appAndFailRoutes(backend.url),
    })
    await (await fetch(gw.url('/app/one'), { headers: { 'user-agent': 'csv-agent' } })).text()
    await (await fetch(gw.url('/app/two'))).text()
    await (await fetch(gw.url('/fail'))).text()
    const file = join(gw.dir, 'logs/audit/access.csv')
    await until(() => records(file).length === 4)
    const [header, ...rows] = records(file)
    expect(header).toEqual(ACCESS_COLUMNS)
    expect(rows).toHaveLength(3)
    const events = rows.map((row) => byColumn(header!, row))
    expect(events.map((e) => e.eventName)).toEqual(Array(3).fill('OPENIG-HTTP-ACCESS'))
    expect(events.map((e) => JSON.parse(e.ig!) as unknown)).toEqual([
      { routeId: 'app', routeName: 'app' },
      { routeId: 'app', routeName: 'app' },
      { routeId: 'fail', routeName: 'fail' },
    ])
    expect(
      events.map((e) => (JSON.parse(e.response!) as { statusCode: string }).statusCode),
    ).toEqual(['200', '200', '503'])
    const first = events[0]!
    expect(first._id).toMatch(new RegExp(`^${first.transactionId}-\\d+$`))
    expect(first.userId).toBe('')
    expect(JSON.parse(first.http!)).toMatchObject({
      request: { method: 'GET', headers: { 'user-agent': ['csv-agent'] } },
    })
    expect((JSON.parse(first.http!) as { request: { path: string } }).request.path).toMatch(
      /\/app\/one$/,
    )
    expect(JSON.parse(first.client!)).toMatchObject({ ip: '127.0.0.1' })
  })

  test('a custom topic: <topic>.csv with the event fields as columns, quoted where needed', async () => {
    const gw = await startGateway({
      plugins,
      files: { 'audit-schemas/mytopic.json': JSON.stringify(myTopicSchema) },
      configJson: {
        handler: '_router',
        heap: [
          { name: '_router', type: 'Router' },
          auditServiceWith({ topics: ['access', 'mytopic'] }, 'MyAudit'),
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
                "const base = { timestamp: '2025-01-02T03:04:05.000Z', transactionId: 'tx', eventName: 'custom' }",
                "await audit.publish('mytopic', { ...base, _id: 'c1', customField: 'plain' })",
                "await audit.publish('mytopic', { ...base, _id: 'c2', customField: 'a, \"quoted\" value' })",
                "await audit.publish('mytopic', { ...base, _id: 'c3', customField: 42 })",
                'return new Response(Status.OK)',
              ],
            },
          },
        },
      },
    })
    await (await fetch(gw.url('/audited'))).text()
    await gw.stop()
    const file = join(gw.dir, 'logs/audit/mytopic.csv')
    expect(records(file)).toEqual([
      ['_id', 'customField', 'eventName', 'timestamp', 'transactionId'],
      ['c1', 'plain', 'custom', '2025-01-02T03:04:05.000Z', 'tx'],
      ['c2', 'a, "quoted" value', 'custom', '2025-01-02T03:04:05.000Z', 'tx'],
    ])
    expect(readFileSync(file, 'utf8')).toContain('c2,"a, ""quoted"" value",custom')
    expect(records(join(gw.dir, 'logs/audit/access.csv'))).toHaveLength(2)
  })

  describe('tamper-evident (security)', () => {
    let keystore: ReturnType<typeof auditKeystore>
    beforeAll(() => {
      keystore = auditKeystore()
    })
    afterAll(() => keystore.remove())

    /** An instance whose keystore sits at secrets/audit-keystore.p12, relative to it. */
    function securedInstance(): string {
      const dir = instanceDir({
        configJson: {
          handler: '_router',
          heap: [
            { name: '_router', type: 'Router' },
            auditServiceWith({
              security: {
                enabled: true,
                filename: 'secrets/audit-keystore.p12',
                password: KEYSTORE_PASSWORD,
                signatureInterval: '1 hour',
              },
            }),
          ],
        },
        routes: { 'r.json': staticRoute },
      })
      mkdirSync(join(dir, 'secrets'))
      copyFileSync(keystore.file, join(dir, 'secrets/audit-keystore.p12'))
      return dir
    }
    const verify = (file: string) =>
      verifyCsvAuditFile(file, { keystore: keystore.file, password: KEYSTORE_PASSWORD })

    test('the file verifies after the gateway stops, and ends with a signature row', async () => {
      const gw = await startGateway({ plugins, dir: securedInstance() })
      for (let i = 0; i < 3; i++) await (await fetch(gw.url(`/${i}`))).text()
      const file = join(gw.dir, 'logs/audit/access.csv')
      await until(() => records(file).length === 4)
      await gw.stop()
      const [header, ...rows] = records(file)
      expect(header).toEqual([...ACCESS_COLUMNS, 'HMAC', 'SIGNATURE'])
      expect(rows).toHaveLength(4)
      expect(rows.slice(0, 3).every((r) => r.at(-2) !== '' && r.at(-1) === '')).toBe(true)
      expect(rows[3]!.at(-1)).not.toBe('')
      expect(existsSync(`${file}.keystore`)).toBe(true)
      expect(await verify(file)).toEqual({ ok: true, rows: 3 })
    })

    test('a tampered file is detected, and a restarted gateway refuses to write to it', async () => {
      const dir = securedInstance()
      const gw = await startGateway({ plugins, dir })
      await (await fetch(gw.url('/one'))).text()
      await (await fetch(gw.url('/two'))).text()
      const file = join(dir, 'logs/audit/access.csv')
      await until(() => records(file).length === 3)
      await gw.stop()
      const original = readFileSync(file, 'utf8')
      expect(original).toContain('/one')
      writeFileSync(file, original.replace('/one', '/won'))
      const result = await verify(file)
      expect(result).toEqual({
        ok: false,
        reason: 'row 2: the HMAC does not match (row edited, removed or inserted)',
        rows: 0,
      })
      await expect(startGateway({ plugins, dir })).rejects.toThrow(
        `tamper-evident audit file ${file} failed verification: row 2`,
      )
      expect(readFileSync(file, 'utf8')).toBe(original.replace('/one', '/won')) // not written to
    })
  })
})
