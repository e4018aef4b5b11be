import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import {
  ConfigErrors,
  CORE_VERSION,
  Heap,
  staticBindings,
  TypeRegistry,
  type ConfigError,
} from '@postern/core'
import { memoryLogger, until, type LogLine } from '@postern/testing'
import { auditKeystore, KEYSTORE_PASSWORD } from '../test/keystore.js'
import { ACCESS_COLUMNS, type CsvAuditEventHandler } from './csv-audit-event-handler.js'
import { cellOf, DEFAULT_FORMAT, formatRow, parseCsv, type CsvFormat } from './csv.js'
import { TamperedAuditFileError } from './errors.js'
import plugin from './index.js'
import { verifyCsvAuditFile } from './tamper-evident.js'

const SOURCE = 'config/config.json'

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'postern-csv-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

interface Built {
  handler: CsvAuditEventHandler
  logs: LogLine[]
  /** Destroys the heap: the handler closes (last signature rows). */
  destroy(): Promise<void>
}

/** A heap holding one CsvAuditEventHandler declared with `config`. */
async function build(config: Record<string, unknown>, logs: LogLine[] = []): Promise<Built> {
  const registry = new TypeRegistry(CORE_VERSION)
  registry.register(plugin)
  const heap = new Heap({
    registry,
    source: SOURCE,
    logger: memoryLogger(logs),
    bindings: staticBindings({ env: {}, system: {} }),
  })
  heap.declare([{ name: 'csv', type: 'CsvAuditEventHandler', config }])
  await heap.createAll()
  let destroyed = false
  const destroy = async () => {
    if (destroyed) return
    destroyed = true
    await heap.destroy()
  }
  onTestFinished(destroy)
  return { handler: await heap.get<CsvAuditEventHandler>('csv'), logs, destroy }
}

/** The ConfigErrors a declaration fails with. */
async function configErrors(config: Record<string, unknown>): Promise<ConfigError[]> {
  try {
    await build(config)
  } catch (err) {
    return err instanceof ConfigErrors ? [...err.errors] : [err as ConfigError]
  }
  throw new Error('the heap was built without error')
}

/** The handler's required properties: the access topic, written to `dir`. */
const accessIn = (dir: string) => ({ name: 'csv', topics: ['access'], logDirectory: dir })

const records = (file: string, format: CsvFormat = DEFAULT_FORMAT) =>
  parseCsv(readFileSync(file, 'utf8'), format).records

const accessEvent = (n: number) => ({
  _id: `tx-${n}`,
  timestamp: '2025-01-02T03:04:05.000Z',
  eventName: 'OPENIG-HTTP-ACCESS',
  transactionId: 'tx',
  client: { ip: '127.0.0.1', port: 50000 + n },
  http: { request: { method: 'GET', path: `http://host/p${n}`, headers: { accept: ['*/*'] } } },
  response: { status: 'SUCCESSFUL', statusCode: '200' },
  ig: { routeId: 'r', routeName: 'r' },
})

describe('CSV formatting', () => {
  test('quotes cells that hold the quote, the delimiter, CR or LF, doubling the quote', () => {
    const row = formatRow(
      ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', ''],
      DEFAULT_FORMAT,
    )
    expect(row).toBe('plain,"a,b","say ""hi""","two\nlines","cr\rhere",\n')
  })

  test('custom quoteChar, delimiterChar and endOfLineSymbols', () => {
    const format = { quoteChar: "'", delimiterChar: ';', endOfLineSymbols: '\r\n' }
    expect(formatRow(['a;b', "it's", 'x,y', 'say "hi"'], format)).toBe(
      `'a;b';'it''s';x,y;say "hi"\r\n`,
    )
    // end-of-line symbols that are not CR or LF still quote the cell that holds them
    expect(formatRow(['a|b', 'c'], { ...DEFAULT_FORMAT, endOfLineSymbols: '|' })).toBe('"a|b",c|')
  })

  test.for([
    { name: 'the defaults', format: DEFAULT_FORMAT },
    {
      name: 'semicolons, quotes and CRLF',
      format: { quoteChar: "'", delimiterChar: ';', endOfLineSymbols: '\r\n' },
    },
    {
      name: 'a multi-character end of line',
      format: { ...DEFAULT_FORMAT, endOfLineSymbols: '<EOL>' },
    },
  ])('parses what it writes back to the same cells ($name)', ({ format }) => {
    const rows = [
      ['_id', 'value', 'json'],
      ['1', 'a,b;c', '{"k":"v \\"q\\""}'],
      ['2', 'it\'s "quoted"\r\nover lines', ''],
      ['', '', '<EOL> inside'],
    ]
    const text = rows.map((r) => formatRow(r, format)).join('')
    expect(parseCsv(text, format)).toEqual({ records: rows, rest: '' })
    expect(parseCsv(`${text}unfinished,row`, format).rest).toBe('unfinished,row')
  })

  test('cells: text as is, objects and arrays as JSON, numbers and booleans as text, none empty', () => {
    expect([
      cellOf('text'),
      cellOf({ a: [1, 'x'] }),
      cellOf(['a']),
      cellOf(42),
      cellOf(false),
      cellOf(null),
      cellOf(undefined),
    ]).toEqual(['text', '{"a":[1,"x"]}', '["a"]', '42', 'false', '', ''])
  })
})

describe('CsvAuditEventHandler', () => {
  test('access.csv: IG access fields in their order, missing ones empty, objects as JSON text', async () => {
    const dir = tempDir()
    const { handler, destroy } = await build({ name: 'csv', topics: ['access'], logDirectory: dir })
    await handler.publish('access', accessEvent(1))
    await destroy()
    const [header, row, ...more] = records(join(dir, 'access.csv'))
    expect(header).toEqual(ACCESS_COLUMNS)
    expect(more).toEqual([])
    const cells = Object.fromEntries(ACCESS_COLUMNS.map((c, i) => [c, row![i]]))
    expect(cells).toMatchObject({
      _id: 'tx-1',
      eventName: 'OPENIG-HTTP-ACCESS',
      userId: '',
      trackingIds: '',
      server: '',
      request: '',
      client: '{"ip":"127.0.0.1","port":50001}',
    })
    expect(JSON.parse(cells.http!)).toEqual(accessEvent(1).http)
    // a JSON cell holds quotes and commas: quoted in the file
    expect(readFileSync(join(dir, 'access.csv'), 'utf8')).toContain(
      '"{""ip"":""127.0.0.1"",""port"":50001}"',
    )
  })

  test('a custom topic: the first event sets the columns (sorted, _id first); later events map onto them', async () => {
    const dir = tempDir()
    const { handler } = await build({ name: 'csv', topics: ['mytopic'], logDirectory: dir })
    await handler.publish('mytopic', { zeta: 'z', timestamp: 't1', _id: 'a', alpha: { n: 1 } })
    await handler.publish('mytopic', { _id: 'b', extra: 'dropped', zeta: 'z2' })
    expect(records(join(dir, 'mytopic.csv'))).toEqual([
      ['_id', 'alpha', 'timestamp', 'zeta'],
      ['a', '{"n":1}', 't1', 'z'],
      ['b', '', '', 'z2'],
    ])
  })

  test('an existing file keeps its header; an empty one gets a header', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'mytopic.csv'), 'eventName,_id\nold,0\n')
    writeFileSync(join(dir, 'access.csv'), '')
    const { handler } = await build({
      name: 'csv',
      topics: ['mytopic', 'access'],
      logDirectory: dir,
    })
    await handler.publish('mytopic', { _id: '1', eventName: 'new', other: 'x' })
    await handler.publish('access', accessEvent(1))
    expect(records(join(dir, 'mytopic.csv'))).toEqual([
      ['eventName', '_id'],
      ['old', '0'],
      ['new', '1'],
    ])
    expect(records(join(dir, 'access.csv'))[0]).toEqual(ACCESS_COLUMNS)
  })

  test('formatting: quoteChar, delimiterChar and endOfLineSymbols shape the file', async () => {
    const dir = tempDir()
    const formatting = { quoteChar: "'", delimiterChar: ';', endOfLineSymbols: '\r\n' }
    const { handler } = await build({ name: 'csv', topics: ['t'], logDirectory: dir, formatting })
    await handler.publish('t', { _id: '1', note: "it's; here", path: '/a,b' })
    expect(readFileSync(join(dir, 't.csv'), 'utf8')).toBe(
      `_id;note;path\r\n1;'it''s; here';/a,b\r\n`,
    )
  })

  test('not buffered: the row is in the file when publish resolves', async () => {
    const dir = tempDir()
    const { handler } = await build({ name: 'csv', topics: ['access'], logDirectory: dir })
    for (let i = 0; i < 3; i++) {
      await handler.publish('access', accessEvent(i))
      expect(records(join(dir, 'access.csv'))).toHaveLength(i + 2)
    }
  })

  test('enabled false: the handler is built and writes nothing', async () => {
    const dir = tempDir()
    const { handler, destroy } = await build({
      ...accessIn(dir),
      enabled: false,
    })
    expect(handler.topics).toEqual(new Set(['access']))
    await handler.publish('access', accessEvent(1))
    await handler.flush()
    await destroy()
    expect(readdirSync(dir)).toEqual([])
  })

  test('buffering without autoFlush: rows wait for flush(), and keep their order', async () => {
    const dir = tempDir()
    const { handler } = await build({
      ...accessIn(dir),
      buffering: { enabled: true, autoFlush: false },
    })
    for (let i = 0; i < 5; i++) expect(handler.publish('access', accessEvent(i))).toBeUndefined()
    expect(existsSync(join(dir, 'access.csv'))).toBe(false)
    await handler.flush()
    expect(records(join(dir, 'access.csv')).map((r) => r[0])).toEqual([
      '_id',
      'tx-0',
      'tx-1',
      'tx-2',
      'tx-3',
      'tx-4',
    ])
  })

  test('buffering with autoFlush: rows are written without a flush() call', async () => {
    const dir = tempDir()
    const { handler } = await build({
      ...accessIn(dir),
      buffering: { enabled: true },
    })
    handler.publish('access', accessEvent(1))
    handler.publish('access', accessEvent(2))
    const file = join(dir, 'access.csv')
    await until(() => existsSync(file) && records(file).length === 3)
    expect(records(file).map((r) => r[0])).toEqual(['_id', 'tx-1', 'tx-2'])
  })

  test('rotation by size: history files start with the header; maxNumberOfHistoryFiles are kept', async () => {
    const dir = tempDir()
    const { handler } = await build({
      ...accessIn(dir),
      fileRotation: { rotationEnabled: true, maxFileSize: 600, rotationFileSuffix: '-HHmmss' },
      fileRetention: { maxNumberOfHistoryFiles: 2 },
    })
    for (let i = 0; i < 12; i++) await handler.publish('access', accessEvent(i))
    const files = readdirSync(dir).sort()
    expect(files).toContain('access.csv')
    expect(files).toHaveLength(3)
    const all = files.map((f) => records(join(dir, f)))
    for (const file of all) expect(file[0]).toEqual(ACCESS_COLUMNS)
    // the newest rows are kept, none twice
    const ids = all.flatMap((f) => f.slice(1).map((r) => r[0]))
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toContain('tx-11')
  })

  test('rotationFilePrefix names history files', async () => {
    const dir = tempDir()
    const { handler } = await build({
      ...accessIn(dir),
      fileRotation: {
        rotationEnabled: true,
        maxFileSize: 600,
        rotationFilePrefix: 'old-',
        rotationFileSuffix: '-yyyy',
      },
    })
    for (let i = 0; i < 3; i++) await handler.publish('access', accessEvent(i))
    expect(readdirSync(dir)).toContain(`old-access.csv-${new Date().getFullYear()}`)
  })

  test('rotationInterval: the file rotates at a rotationRetentionCheckInterval check, without new events', async () => {
    const dir = tempDir()
    const { handler } = await build({
      ...accessIn(dir),
      fileRotation: {
        rotationEnabled: true,
        rotationInterval: '30 ms',
        rotationFileSuffix: '-HHmmss',
        rotationTimes: ['6 hours', '12 hours'],
      },
      rotationRetentionCheckInterval: '10 ms',
    })
    await handler.publish('access', accessEvent(1))
    const rotated = () => readdirSync(dir).some((f) => f.startsWith('access.csv-'))
    await until(rotated)
    expect(rotated()).toBe(true)
    const history = readdirSync(dir).find((f) => f.startsWith('access.csv-'))!
    expect(records(join(dir, history)).map((r) => r[0])).toEqual(['_id', 'tx-1'])
    // the next event starts a new file with its header (which may rotate in turn)
    await handler.publish('access', accessEvent(2))
    const next = readdirSync(dir).filter((f) => f !== history)
    expect(next.map((f) => records(join(dir, f)).map((r) => r[0]))).toEqual([['_id', 'tx-2']])
  })

  test('buffering without autoFlush: the rotationRetentionCheckInterval check writes what waits', async () => {
    const dir = tempDir()
    const { handler } = await build({
      ...accessIn(dir),
      buffering: { enabled: true, autoFlush: false },
      rotationRetentionCheckInterval: '10 ms',
    })
    handler.publish('access', accessEvent(1))
    const file = join(dir, 'access.csv')
    await until(() => existsSync(file) && records(file).length === 2)
    expect(records(file).map((r) => r[0])).toEqual(['_id', 'tx-1'])
  })

  test('a delimiter equal to the quote is a config error', async () => {
    const errors = await configErrors({
      name: 'csv',
      topics: ['access'],
      logDirectory: tempDir(),
      formatting: { quoteChar: ';', delimiterChar: ';' },
    })
    expect(errors.map((e) => [e.pointer, e.reason])).toEqual([
      ['/heap/0/config/formatting/delimiterChar', 'must differ from quoteChar'],
    ])
  })
})

describe('CsvAuditEventHandler with security (tamper-evident)', () => {
  let keystore: ReturnType<typeof auditKeystore>
  beforeAll(() => {
    keystore = auditKeystore()
  })
  afterAll(() => keystore.remove())

  const secured = (dir: string, more: Record<string, unknown> = {}) => ({
    ...accessIn(dir),
    security: {
      enabled: true,
      filename: keystore.file,
      password: KEYSTORE_PASSWORD,
      signatureInterval: '1 hour',
    },
    ...more,
  })
  const verify = (file: string, formatting?: Partial<CsvFormat>) =>
    verifyCsvAuditFile(file, {
      keystore: keystore.file,
      password: KEYSTORE_PASSWORD,
      ...(formatting ? { formatting } : {}),
    })

  /** A secured access.csv with `n` events, closed (so it ends with a signature row). */
  async function securedFile(n: number): Promise<{ dir: string; file: string }> {
    const dir = tempDir()
    const { handler, destroy } = await build(secured(dir))
    for (let i = 0; i < n; i++) await handler.publish('access', accessEvent(i))
    await destroy()
    return { dir, file: join(dir, 'access.csv') }
  }

  test('a fresh file: HMAC and SIGNATURE columns, a signature row at close, and it verifies', async () => {
    const { file } = await securedFile(3)
    const [header, ...rows] = records(file)
    expect(header).toEqual([...ACCESS_COLUMNS, 'HMAC', 'SIGNATURE'])
    expect(rows).toHaveLength(4)
    for (const row of rows.slice(0, 3)) {
      expect(row.at(-2)).toMatch(/^[A-Za-z0-9+/]{43}=$/) // 32 bytes
      expect(row.at(-1)).toBe('')
    }
    const signature = rows[3]!
    expect(signature.slice(0, -1).every((c) => c === '')).toBe(true)
    expect(Buffer.from(signature.at(-1)!, 'base64')).toHaveLength(256) // RSA 2048
    expect(await verify(file)).toEqual({ ok: true, rows: 3 })
    // the key file is encrypted: no key in clear
    const keyFile = JSON.parse(readFileSync(`${file}.keystore`, 'utf8')) as Record<string, unknown>
    expect(keyFile).toMatchObject({
      format: 'postern-csv-audit-keys',
      version: 1,
      kdf: 'HKDF-SHA256',
      cipher: 'AES-256-GCM',
    })
    expect(Object.keys(keyFile).sort()).toEqual(
      ['cipher', 'ciphertext', 'format', 'iv', 'kdf', 'salt', 'tag', 'version'].sort(),
    )
  })

  const lines = (text: string) => text.split('\n')
  /** The text with lines removed at `at`, and `insert` put there. */
  const splice = (text: string, at: number, remove: number, ...insert: string[]) => {
    const all = lines(text)
    all.splice(at, remove, ...insert)
    return all.join('\n')
  }
  test.for([
    {
      change: 'a cell edited',
      edit: (text: string) => text.replace('http://host/p1', 'http://host/p9'),
      reason: 'row 3: the HMAC does not match (row edited, removed or inserted)',
    },
    {
      change: 'a row removed',
      edit: (text: string) => splice(text, 2, 1),
      reason: 'row 3: the HMAC does not match (row edited, removed or inserted)',
    },
    {
      change: 'a row inserted (a copy of a real row)',
      edit: (text: string) => splice(text, 3, 0, lines(text)[1]!),
      reason: 'row 4: the HMAC does not match (row edited, removed or inserted)',
    },
    {
      change: 'the last rows removed',
      edit: (text: string) => splice(text, 3, 2),
      reason: 'the file does not end where its key file says (rows removed or added at the end)',
    },
    {
      change: 'the signature row removed',
      edit: (text: string) => splice(text, 4, 1),
      reason: 'the last signature is not the one its key file records',
    },
    {
      change: 'the signature altered',
      edit: (text: string) => {
        const all = lines(text)
        const sig = all[4]!
        all[4] = sig.slice(0, -5) + (sig.at(-5) === 'A' ? 'B' : 'A') + sig.slice(-4)
        return all.join('\n')
      },
      reason: 'row 5: the signature does not verify',
    },
  ])('verification fails when $change', async ({ edit, reason }) => {
    const { file } = await securedFile(3)
    writeFileSync(file, edit(readFileSync(file, 'utf8')))
    const result = await verify(file)
    expect(result.ok).toBe(false)
    expect(result.reason).toBe(reason)
  })

  test('verification fails without the key file, or with another key file', async () => {
    const { file } = await securedFile(1)
    const other = await securedFile(1)
    writeFileSync(`${file}.keystore`, readFileSync(`${other.file}.keystore`))
    expect(await verify(file)).toMatchObject({
      ok: false,
      reason: 'row 2: the HMAC does not match (row edited, removed or inserted)',
    })
    rmSync(`${file}.keystore`)
    expect(await verify(file)).toEqual({
      ok: false,
      reason: `its key file ${file}.keystore is missing`,
      rows: 0,
    })
  })

  test('a signature row is written signatureInterval after the first unsigned row', async () => {
    const dir = tempDir()
    const { handler } = await build(
      secured(dir, {
        security: {
          enabled: true,
          filename: keystore.file,
          password: KEYSTORE_PASSWORD,
          signatureInterval: '20 ms',
        },
      }),
    )
    const file = join(dir, 'access.csv')
    await handler.publish('access', accessEvent(1))
    await handler.publish('access', accessEvent(2))
    // no close: the timer writes the signature row (one for both rows, unless the first was
    // signed before the second was written)
    const endsSigned = () => {
      const all = records(file)
      return all.length > 2 && all.at(-1)!.at(-1) !== ''
    }
    await until(endsSigned)
    expect(endsSigned()).toBe(true)
    await handler.flush() // after the writes queued before it: the key file follows the row
    expect(records(file).filter((r) => r.at(-2) !== '' && r.at(-2) !== 'HMAC')).toHaveLength(2)
    expect(await verify(file)).toEqual({ ok: true, rows: 2 })
  })

  test('a restart verifies the file and resumes its HMAC chain', async () => {
    const { dir, file } = await securedFile(2)
    const { handler, destroy } = await build(secured(dir))
    await handler.publish('access', accessEvent(7))
    await destroy()
    const all = records(file)
    expect(all.filter((r) => r[0] === '_id')).toHaveLength(1) // one header
    expect(all.map((r) => r[0])).toEqual(['_id', 'tx-0', 'tx-1', '', 'tx-7', ''])
    expect(await verify(file)).toEqual({ ok: true, rows: 3 })
  })

  test('a restart on a tampered file refuses it: logged, and a TamperedAuditFileError naming the file', async () => {
    const { dir, file } = await securedFile(2)
    writeFileSync(file, readFileSync(file, 'utf8').replace('tx-1', 'tx-X'))
    const logs: LogLine[] = []
    const failure = await build(secured(dir), logs).then(
      () => undefined,
      (err: unknown) => (err instanceof ConfigErrors ? err.errors[0] : (err as ConfigError)),
    )
    expect(failure?.pointer).toBe('/heap/0/config')
    const cause = failure?.cause
    expect(cause).toBeInstanceOf(TamperedAuditFileError)
    expect(cause).toMatchObject({
      code: 'ERR_POSTERN_AUDIT_TAMPERED',
      file,
      reason: 'row 3: the HMAC does not match (row edited, removed or inserted)',
    })
    expect(failure?.message).toContain(
      `tamper-evident audit file ${file} failed verification: row 3`,
    )
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'tamper-evident audit file failed verification: not written to',
        file,
      }),
    )
  })

  test('buffering is ignored, with a warning: each row is written before publish resolves', async () => {
    const dir = tempDir()
    const logs: LogLine[] = []
    const { handler } = await build(
      secured(dir, { buffering: { enabled: true, autoFlush: false } }),
      logs,
    )
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'buffering is ignored when security is enabled',
      }),
    )
    await handler.publish('access', accessEvent(1))
    expect(records(join(dir, 'access.csv'))).toHaveLength(2)
  })

  test('rotation signs the file first, moves its key file along, and starts a fresh chain', async () => {
    const dir = tempDir()
    const { handler, destroy } = await build(
      secured(dir, {
        fileRotation: { rotationEnabled: true, maxFileSize: 1000, rotationFileSuffix: '-HHmmss' },
      }),
    )
    for (let i = 0; i < 6; i++) await handler.publish('access', accessEvent(i))
    await destroy()
    const files = readdirSync(dir).filter((f) => !f.endsWith('.keystore'))
    expect(files.length).toBeGreaterThan(1)
    let total = 0
    for (const f of files) {
      expect(readdirSync(dir)).toContain(`${f}.keystore`)
      const result = await verify(join(dir, f))
      expect(result.ok).toBe(true)
      // every file ends with a signature row
      expect(records(join(dir, f)).at(-1)!.at(-1)).not.toBe('')
      total += result.rows
    }
    expect(total).toBe(6)
  })

  test('retention removes history files with their key files', async () => {
    const dir = tempDir()
    const { handler, destroy } = await build(
      secured(dir, {
        fileRotation: { rotationEnabled: true, maxFileSize: 1000, rotationFileSuffix: '-HHmmss' },
        fileRetention: { maxNumberOfHistoryFiles: 1 },
      }),
    )
    for (let i = 0; i < 8; i++) await handler.publish('access', accessEvent(i))
    await destroy()
    const files = readdirSync(dir).sort()
    expect(files.filter((f) => f.endsWith('.keystore'))).toHaveLength(2)
    expect(files).toHaveLength(4) // access.csv, one history file, and their key files
    for (const f of files.filter((n) => !n.endsWith('.keystore')))
      expect((await verify(join(dir, f))).ok).toBe(true)
  })

  test('custom formatting: verifyCsvAuditFile reads the file with the same formatting', async () => {
    const dir = tempDir()
    const formatting = { quoteChar: "'", delimiterChar: ';', endOfLineSymbols: '\r\n' }
    const { handler, destroy } = await build(secured(dir, { topics: ['t'], formatting }))
    await handler.publish('t', { _id: '1', note: "it's; here" })
    await destroy()
    expect(await verify(join(dir, 't.csv'), formatting)).toEqual({ ok: true, rows: 1 })
  })

  test.for([
    {
      security: { signatureInterval: '10 seconds' },
      errors: [
        ['/heap/0/config/security/filename', 'is required when security is enabled'],
        ['/heap/0/config/security/password', 'is required when security is enabled'],
      ],
    },
    {
      security: { filename: 'k.p12', password: 'p' },
      errors: [
        ['/heap/0/config/security/signatureInterval', 'is required when security is enabled'],
      ],
    },
    {
      security: { filename: 'k.p12', password: 'p', signatureInterval: 'zero' },
      errors: [['/heap/0/config/security/signatureInterval', 'must not be zero']],
    },
    {
      security: { filename: 'k.p12', password: 'p', signatureInterval: 'unlimited' },
      errors: [['/heap/0/config/security/signatureInterval', 'must not be unlimited']],
    },
  ])('config error: security $security', async ({ security, errors }) => {
    const found = await configErrors({
      name: 'csv',
      topics: ['access'],
      logDirectory: tempDir(),
      security: { enabled: true, ...security },
    })
    expect(found.map((e) => [e.pointer, e.reason])).toEqual(errors)
  })

  test('config errors: a wrong keystore password, a missing keystore, a keystore without the keys', async () => {
    const dir = tempDir()
    const base = secured(dir).security
    const [wrong] = await configErrors(secured(dir, { security: { ...base, password: 'nope' } }))
    expect(wrong?.pointer).toBe('/heap/0/config/security/password')
    expect(wrong?.reason).toContain('the keystore password is wrong')
    const missing = join(dir, 'missing.p12')
    const [absent] = await configErrors(secured(dir, { security: { ...base, filename: missing } }))
    expect([absent?.pointer, absent?.reason]).toEqual([
      '/heap/0/config/security/filename',
      `cannot read the keystore ${missing}`,
    ])
    const notPkcs12 = join(dir, 'text.p12')
    writeFileSync(notPkcs12, 'not a keystore')
    const [malformed] = await configErrors(
      secured(dir, { security: { ...base, filename: notPkcs12 } }),
    )
    expect(malformed?.pointer).toBe('/heap/0/config/security/filename')
    expect(malformed?.reason).toContain('not a PKCS#12 keystore')
    const signatureOnly = auditKeystore({ secretKey: false })
    onTestFinished(signatureOnly.remove)
    const [noSecret] = await configErrors(
      secured(dir, { security: { ...base, filename: signatureOnly.file } }),
    )
    expect([noSecret?.pointer, noSecret?.reason]).toEqual([
      '/heap/0/config/security/filename',
      'the keystore has no secret key "Password"',
    ])
  })

  test('enabled false with security: the keystore is not read', async () => {
    const dir = tempDir()
    const { handler } = await build(
      secured(dir, {
        enabled: false,
        security: {
          enabled: true,
          filename: 'absent.p12',
          password: 'x',
          signatureInterval: '1 s',
        },
      }),
    )
    await handler.publish('access', accessEvent(1))
    expect(readdirSync(dir)).toEqual([])
  })
})
