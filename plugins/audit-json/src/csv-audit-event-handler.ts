import { appendFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  ConfigErrors,
  Duration,
  heaplet,
  Type,
  type ConfigError,
  type Logger,
  type Static,
} from '@postern/core'
import type { AuditEventHandler } from '@postern/audit'
import { cellOf, formatRow, readHeader, type CsvFormat } from './csv.js'
import { TamperedAuditFileError } from './errors.js'
import { dirOf, historyFile, pruneHistory, rotationDue } from './files.js'
import {
  checkFile,
  HMAC_COLUMN,
  hmacRow,
  KEY_FILE_SUFFIX,
  keyFileOf,
  loadAuditKeys,
  newChain,
  signChain,
  SIGNATURE_COLUMN,
  writeKeyFile,
  type AuditKeys,
  type ChainState,
} from './tamper-evident.js'

/** The top-level fields of IG's access topic schema, in its order: the columns of access.csv. */
export const ACCESS_COLUMNS: readonly string[] = [
  '_id',
  'timestamp',
  'eventName',
  'transactionId',
  'userId',
  'trackingIds',
  'client',
  'server',
  'http',
  'request',
  'response',
  'ig',
]

/** Java's BufferedWriter writes when 8192 characters wait: unflushed buffering does the same. */
const BUFFER_SIZE = 8192
/** setTimeout's limit: longer delays fire at once. */
const MAX_DELAY = 2 ** 31 - 1

const Char = (value: string, description: string) =>
  Type.String({ minLength: 1, maxLength: 1, default: value, description })

const CsvConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'The name of the event handler.' }),
    topics: Type.Array(Type.String(), {
      minItems: 1,
      description: 'Topics this handler writes: access, or custom topics.',
    }),
    logDirectory: Type.String({
      minLength: 1,
      description: 'Where the <topic>.csv files go (relative to the instance directory).',
    }),
    enabled: Type.Boolean({ default: true, description: 'Whether this event handler is active.' }),
    formatting: Type.Object(
      {
        quoteChar: Char('"', 'A single character to quote CSV entries.'),
        delimiterChar: Char(',', 'A single character to delimit CSV entries.'),
        endOfLineSymbols: Type.String({
          minLength: 1,
          default: '\n',
          description: 'A character or characters to separate a line.',
        }),
      },
      { default: {} },
    ),
    buffering: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Whether log buffering is enabled (ignored with security).',
        }),
        autoFlush: Type.Boolean({
          default: true,
          description: 'Whether events are automatically flushed after being written.',
        }),
      },
      { default: {} },
    ),
    security: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Whether tamper-evident logging is enabled.',
        }),
        filename: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'PKCS#12 keystore with the Password secret key and the Signature key pair.',
          }),
        ),
        password: Type.Optional(
          Type.String({ description: 'The password of the keystore and of its keys.' }),
        ),
        signatureInterval: Type.Optional(
          Duration({
            description: 'Time after which to insert a signature; not zero, not unlimited.',
          }),
        ),
      },
      { default: {} },
    ),
    fileRotation: Type.Object(
      {
        rotationEnabled: Type.Boolean({
          default: false,
          description: 'A flag to enable rotation of log files.',
        }),
        maxFileSize: Type.Integer({
          default: 0,
          description: 'Maximum size of a file in bytes; 0 or less: no size rotation.',
        }),
        rotationFilePrefix: Type.String({
          default: '',
          description: 'The prefix to add to a log file on rotation.',
        }),
        rotationFileSuffix: Type.String({
          default: '-yyyy.MM.dd-HH.mm.ss',
          description: 'The suffix to add to a log file on rotation (yyyy MM dd HH mm ss).',
        }),
        rotationInterval: Duration({
          default: 'disabled',
          description: 'The time interval after which to rotate log files.',
        }),
        rotationTimes: Type.Array(Duration(), {
          default: [],
          description: 'Durations after midnight UTC at which to rotate (accepted, not applied).',
        }),
      },
      { default: {} },
    ),
    fileRetention: Type.Object(
      {
        maxNumberOfHistoryFiles: Type.Integer({
          default: 0,
          description: 'The maximum number of historical files; 0 or less: keep all.',
        }),
        maxDiskSpaceToUse: Type.Integer({
          default: 0,
          description: 'Accepted, not applied.',
        }),
        minFreeSpaceRequired: Type.Integer({
          default: 0,
          description: 'Accepted, not applied.',
        }),
      },
      { default: {} },
    ),
    rotationRetentionCheckInterval: Duration({
      default: '5 seconds',
      description: 'Interval at which to check time-based rotation (and write unflushed buffers).',
    }),
  },
  { additionalProperties: false },
)
type CsvConfig = Static<typeof CsvConfig>

/** The keys and signature interval of tamper-evident logging. */
export interface CsvSecurity {
  readonly keys: AuditKeys & { readonly privateKey: NonNullable<AuditKeys['privateKey']> }
  /** Milliseconds, finite and positive. */
  readonly signatureInterval: number
}

/** One topic's current file, once opened (or created with its header). */
interface TopicFile {
  readonly topic: string
  readonly path: string
  readonly columns: readonly string[]
  readonly openedAt: number
  size: number
  /** Whether the file holds rows, not only its header. */
  rows: boolean
  chain: ChainState | undefined
  timer: NodeJS.Timeout | undefined
}

type AuditEvent = Record<string, unknown>

/** The columns of a custom topic: the first event's top-level fields, sorted, `_id` first. */
function columnsOf(event: AuditEvent): string[] {
  const keys = Object.keys(event).sort()
  return keys.includes('_id') ? ['_id', ...keys.filter((k) => k !== '_id')] : keys
}

const sizeOf = (path: string) =>
  stat(path).then(
    (s) => s.size,
    () => 0,
  )

/**
 * CsvAuditEventHandler: one CSV file per topic, `<logDirectory>/<topic>.csv`, whose columns are the
 * top-level fields of the events (nested objects as JSON text). With `security`, rows carry an
 * HMAC chain and signature rows, as ForgeRock commons-audit's SecureCsvWriter writes them.
 */
export class CsvAuditEventHandler implements AuditEventHandler {
  readonly name: string
  readonly topics: ReadonlySet<string>
  readonly #config: CsvConfig
  readonly #dir: string
  readonly #logger: Logger
  readonly #format: CsvFormat
  readonly #security: CsvSecurity | undefined
  readonly #buffered: boolean
  readonly #files = new Map<string, TopicFile>()
  readonly #pending = new Map<string, AuditEvent[]>()
  #pendingSize = 0
  #immediate: NodeJS.Immediate | undefined
  #checks: NodeJS.Timeout | undefined
  #writing: Promise<void> = Promise.resolve()
  #closed = false
  #closing: Promise<void> | undefined

  constructor(config: CsvConfig, dir: string, logger: Logger, security?: CsvSecurity) {
    this.name = config.name
    this.topics = new Set(config.topics)
    this.#config = config
    this.#dir = dir
    this.#logger = logger
    this.#format = config.formatting
    this.#security = security
    this.#buffered = config.buffering.enabled && security === undefined
  }

  /**
   * Verifies the existing tamper-evident files and resumes their HMAC chains (throws a
   * TamperedAuditFileError for one that fails), then starts the periodic checks.
   */
  async start(): Promise<void> {
    if (!this.#config.enabled) return
    if (this.#security) {
      try {
        for (const topic of this.topics)
          if ((await sizeOf(this.#pathOf(topic))) > 0) await this.#open(topic, undefined)
      } catch (err) {
        for (const file of this.#files.values()) clearTimeout(file.timer)
        throw err
      }
    }
    const rotation = this.#config.fileRotation
    const byTime =
      rotation.rotationEnabled &&
      rotation.rotationInterval > 0 &&
      Number.isFinite(rotation.rotationInterval)
    const lazy = this.#buffered && !this.#config.buffering.autoFlush
    const every = this.#config.rotationRetentionCheckInterval
    if ((byTime || lazy) && every > 0 && Number.isFinite(every))
      this.#checks = setInterval(() => this.#check(), Math.min(every, MAX_DELAY)).unref()
  }

  /** Not buffered: resolves once the row is written. Buffered: returns at once. */
  publish(topic: string, event: AuditEvent): void | Promise<void> {
    if (!this.#config.enabled) return
    if (!this.#buffered) return this.#serial(() => this.#write(topic, [event]))
    const events = this.#pending.get(topic) ?? []
    events.push(event)
    this.#pending.set(topic, events)
    if (this.#config.buffering.autoFlush || this.#closed)
      this.#immediate ??= setImmediate(() => void this.flush())
    else if ((this.#pendingSize += JSON.stringify(event).length) >= BUFFER_SIZE) void this.flush()
  }

  /** Writes what is buffered; writes are serialized, so events keep their order. */
  flush(): Promise<void> {
    clearImmediate(this.#immediate)
    this.#immediate = undefined
    const batches = [...this.#pending]
    this.#pending.clear()
    this.#pendingSize = 0
    return this.#serial(async () => {
      for (const [topic, events] of batches) await this.#write(topic, events)
    })
  }

  /** Writes what is buffered and, in tamper-evident mode, a last signature row in each file. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#checks)
      this.#closed = true
      await this.flush()
      await this.#serial(async () => {
        for (const file of this.#files.values()) {
          clearTimeout(file.timer)
          await this.#signOrLog(file)
        }
      })
    })()
    return this.#closing
  }

  /** Runs a task after those before it, so rows keep their order; tasks log their failures. */
  #serial(task: () => Promise<void>): Promise<void> {
    this.#writing = this.#writing.then(task)
    return this.#writing
  }

  /** Appends events; a failure is logged, never thrown to the publisher. */
  async #write(topic: string, events: AuditEvent[]): Promise<void> {
    try {
      await this.#append(topic, events)
    } catch (err) {
      this.#logger.error({ err, topic, events: events.length }, 'audit events not written')
    }
  }

  async #signOrLog(file: TopicFile): Promise<void> {
    try {
      await this.#sign(file)
    } catch (err) {
      this.#logger.error({ err, file: file.path }, 'audit signature row not written')
    }
  }

  #pathOf(topic: string): string {
    return join(this.#dir, `${topic}.csv`)
  }

  #cells(file: TopicFile, event: AuditEvent): string[] {
    return file.columns.map((column) => cellOf(event[column]))
  }

  async #append(topic: string, events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return
    if (this.#security) {
      for (const event of events) await this.#appendSigned(topic, event)
      return
    }
    let file = await this.#open(topic, events[0])
    const text = (f: TopicFile) => events.map((e) => formatRow(this.#cells(f, e), this.#format))
    let rows = text(file).join('')
    if (await this.#rotateIfDue(file, Buffer.byteLength(rows))) {
      file = await this.#open(topic, events[0])
      rows = text(file).join('')
    }
    await appendFile(file.path, rows)
    file.size += Buffer.byteLength(rows)
    file.rows = true
  }

  async #appendSigned(topic: string, event: AuditEvent): Promise<void> {
    const security = this.#security!
    let file = await this.#open(topic, event)
    // the HMAC cell is 44 base64 characters
    const estimate = Buffer.byteLength(formatRow(this.#cells(file, event), this.#format)) + 46
    if (await this.#rotateIfDue(file, estimate)) file = await this.#open(topic, event)
    const chain = file.chain!
    const before = { ...chain }
    const cells = this.#cells(file, event)
    const row = formatRow([...cells, hmacRow(chain, cells), ''], this.#format)
    try {
      await appendFile(file.path, row)
    } catch (err) {
      Object.assign(chain, before) // the row is not in the file: neither is its key step
      throw err
    }
    file.size += Buffer.byteLength(row)
    file.rows = true
    await writeKeyFile(keyFileOf(file.path), chain, security.keys.password)
    if (this.#closed) await this.#sign(file)
    else this.#signLater(file)
  }

  /** A signature row `signatureInterval` after the first unsigned row (unless rotated first). */
  #signLater(file: TopicFile): void {
    if (file.timer) return
    const sign = () =>
      this.#serial(async () => {
        file.timer = undefined
        if (this.#files.get(file.topic) === file) await this.#signOrLog(file)
      })
    const delay = Math.min(this.#security!.signatureInterval, MAX_DELAY)
    file.timer = setTimeout(() => void sign(), delay).unref()
  }

  /** Writes a signature row when rows are unsigned. */
  async #sign(file: TopicFile): Promise<void> {
    const chain = file.chain
    if (!this.#security || !chain || chain.unsigned === 0) return
    clearTimeout(file.timer)
    file.timer = undefined
    const before = { ...chain }
    const signature = signChain(chain, this.#security.keys.privateKey)
    const row = formatRow([...file.columns.map(() => ''), '', signature], this.#format)
    try {
      await appendFile(file.path, row)
    } catch (err) {
      Object.assign(chain, before)
      throw err
    }
    file.size += Buffer.byteLength(row)
    await writeKeyFile(keyFileOf(file.path), chain, this.#security.keys.password)
  }

  /** The topic's file: known, or existing (header reused, chain verified), or created. */
  async #open(topic: string, event: AuditEvent | undefined): Promise<TopicFile> {
    const known = this.#files.get(topic)
    if (known) return known
    const path = this.#pathOf(topic)
    await mkdir(this.#dir, { recursive: true })
    const size = await sizeOf(path)
    const file =
      size > 0
        ? this.#security
          ? await this.#resume(topic, path, size)
          : await this.#reuse(topic, path, size)
        : await this.#create(topic, path, event ?? {})
    this.#files.set(topic, file)
    return file
  }

  async #reuse(topic: string, path: string, size: number): Promise<TopicFile> {
    const columns = (await readHeader(path, this.#format)) ?? []
    const rows = size > Buffer.byteLength(formatRow(columns, this.#format))
    return {
      topic,
      path,
      columns,
      openedAt: Date.now(),
      size,
      rows,
      chain: undefined,
      timer: undefined,
    }
  }

  async #resume(topic: string, path: string, size: number): Promise<TopicFile> {
    const check = await checkFile(path, this.#format, this.#security!.keys)
    if (!check.ok) {
      this.#logger.error(
        { file: path, reason: check.reason },
        'tamper-evident audit file failed verification: not written to',
      )
      throw new TamperedAuditFileError(path, check.reason ?? 'unknown')
    }
    this.#logger.info({ file: path, rows: check.rows }, 'tamper-evident audit file verified')
    const file: TopicFile = {
      topic,
      path,
      columns: check.columns!,
      openedAt: Date.now(),
      size,
      rows: check.rows > 0,
      chain: check.chain!,
      timer: undefined,
    }
    // rows a previous run left unsigned are signed on the usual schedule
    if (file.chain!.unsigned > 0) this.#signLater(file)
    return file
  }

  async #create(topic: string, path: string, event: AuditEvent): Promise<TopicFile> {
    const columns = topic === 'access' ? ACCESS_COLUMNS : columnsOf(event)
    let chain: ChainState | undefined
    let header = columns
    if (this.#security) {
      chain = newChain()
      header = [...columns, HMAC_COLUMN, SIGNATURE_COLUMN]
      await writeKeyFile(keyFileOf(path), chain, this.#security.keys.password)
    }
    const text = formatRow(header, this.#format)
    await writeFile(path, text)
    return {
      topic,
      path,
      columns,
      openedAt: Date.now(),
      size: Buffer.byteLength(text),
      rows: false,
      chain,
      timer: undefined,
    }
  }

  async #rotateIfDue(file: TopicFile, adding: number): Promise<boolean> {
    const rotation = this.#config.fileRotation
    if (!rotation.rotationEnabled || !file.rows) return false
    if (!rotationDue(rotation, file.size, adding, file.openedAt)) return false
    await this.#rotate(file)
    return true
  }

  /** Moves the file (and its key file, signed first) to history; the next event starts anew. */
  async #rotate(file: TopicFile): Promise<void> {
    const rotation = this.#config.fileRotation
    await this.#sign(file)
    clearTimeout(file.timer)
    this.#files.delete(file.topic)
    const base = `${file.topic}.csv`
    const target = await historyFile(
      this.#dir,
      rotation.rotationFilePrefix,
      base,
      rotation.rotationFileSuffix,
      new Date(),
    )
    await rename(file.path, target)
    if (this.#security) await rename(keyFileOf(file.path), keyFileOf(target))
    await pruneHistory(
      this.#dir,
      `${rotation.rotationFilePrefix}${base}`,
      this.#config.fileRetention.maxNumberOfHistoryFiles,
      this.#security ? KEY_FILE_SUFFIX : undefined,
    )
  }

  /** Every rotationRetentionCheckInterval: unflushed buffers, then time-based rotation. */
  #check(): void {
    if (this.#pending.size > 0) void this.flush()
    void this.#serial(async () => {
      for (const file of [...this.#files.values()]) {
        try {
          await this.#rotateIfDue(file, 0)
        } catch (err) {
          this.#logger.error({ err, file: file.path }, 'audit file not rotated')
        }
      }
    })
  }
}

/** CsvAuditEventHandler. */
export const csvAuditEventHandler = heaplet({
  schema: CsvConfig,
  description: 'Writes audit events as CSV, one file per topic; optionally tamper-evident.',
  create: async (config, env) => {
    const errors: ConfigError[] = []
    const { formatting, security } = config
    if (formatting.delimiterChar === formatting.quoteChar)
      errors.push(env.configError('/formatting/delimiterChar', 'must differ from quoteChar'))
    if (security.enabled) {
      if (security.filename === undefined)
        errors.push(env.configError('/security/filename', 'is required when security is enabled'))
      if (security.password === undefined)
        errors.push(env.configError('/security/password', 'is required when security is enabled'))
      const interval = security.signatureInterval
      if (interval === undefined)
        errors.push(
          env.configError('/security/signatureInterval', 'is required when security is enabled'),
        )
      else if (interval === 0)
        errors.push(env.configError('/security/signatureInterval', 'must not be zero'))
      else if (!Number.isFinite(interval))
        errors.push(env.configError('/security/signatureInterval', 'must not be unlimited'))
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new ConfigErrors(errors)
    let secure: CsvSecurity | undefined
    if (security.enabled && config.enabled) {
      const file = dirOf(security.filename!, env)
      let der: Buffer
      try {
        der = await readFile(file)
      } catch (err) {
        throw env.configError('/security/filename', `cannot read the keystore ${file}`, {
          cause: err,
        })
      }
      try {
        const keys = loadAuditKeys(file, der, security.password!)
        secure = {
          keys: { ...keys, privateKey: keys.privateKey! },
          signatureInterval: security.signatureInterval!,
        }
      } catch (err) {
        const pointer =
          (err as { reason?: string }).reason === 'password'
            ? '/security/password'
            : '/security/filename'
        throw env.configError(pointer, (err as Error).message, { cause: err })
      }
      if (config.buffering.enabled)
        env.logger.warn({}, 'buffering is ignored when security is enabled')
    }
    const handler = new CsvAuditEventHandler(
      config,
      dirOf(config.logDirectory, env),
      env.logger,
      secure,
    )
    await handler.start()
    return handler
  },
  // the AuditService closes its handlers first; closing again is a no-op
  destroy: (handler) => handler.close(),
})
