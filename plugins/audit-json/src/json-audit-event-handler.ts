import { appendFile, mkdir, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Duration, heaplet, Type, type Logger } from '@postern/core'
import type { AuditEventHandler } from '@postern/audit'
import { dirOf, historyFile, pruneHistory, rotationDue } from './files.js'

const Topics = Type.Array(Type.String(), {
  minItems: 1,
  description: 'Topics this handler writes.',
})

const JsonConfig = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    topics: Topics,
    logDirectory: Type.String({
      minLength: 1,
      description: 'Where the <topic>.audit.json files go.',
    }),
    elasticsearchCompatible: Type.Boolean({ default: false }),
    fileRotation: Type.Object(
      {
        rotationEnabled: Type.Boolean({ default: false }),
        maxFileSize: Type.Integer({
          minimum: 0,
          default: 0,
          description: 'Bytes; 0: no size rotation.',
        }),
        rotationFilePrefix: Type.String({ default: '' }),
        rotationFileSuffix: Type.String({ default: '-yyyy.MM.dd-HH.mm.ss' }),
        rotationInterval: Duration({ default: 'disabled' }),
        rotationTimes: Type.Array(Type.String(), { default: [] }),
      },
      { default: {} },
    ),
    fileRetention: Type.Object(
      {
        maxNumberOfHistoryFiles: Type.Integer({ default: 0, description: '0 or less: keep all.' }),
        maxDiskSpaceToUse: Type.Integer({ default: 0 }),
        minFreeSpaceRequired: Type.Integer({ default: 0 }),
      },
      { default: {} },
    ),
    rotationRetentionCheckInterval: Duration({ default: '5 seconds' }),
    buffering: Type.Object(
      {
        writeInterval: Duration({ default: '100 milliseconds' }),
        maxSize: Type.Integer({ minimum: 1, default: 5000 }),
      },
      { default: {} },
    ),
  },
  { additionalProperties: false },
)

/** Elasticsearch does not take fields starting with `_`: `_id` becomes `_eventId`. */
function elasticsearch(event: Record<string, unknown>): Record<string, unknown> {
  const { _id, ...rest } = event
  return _id === undefined ? rest : { _eventId: _id, ...rest }
}

/**
 * JsonAuditEventHandler: one JSON object per line in `<logDirectory>/<topic>.audit.json`,
 * buffered (written every `writeInterval` or when `maxSize` events wait), rotated by size or
 * interval, old files removed beyond `maxNumberOfHistoryFiles`.
 */
export class JsonAuditEventHandler implements AuditEventHandler {
  readonly name: string
  readonly topics: ReadonlySet<string>
  readonly #config: typeof JsonConfig.static
  readonly #dir: string
  readonly #logger: Logger
  readonly #buffers = new Map<string, string[]>()
  #size = 0
  #timer: NodeJS.Timeout | undefined
  #writing: Promise<void> = Promise.resolve()
  readonly #openedAt = new Map<string, number>()

  constructor(config: typeof JsonConfig.static, dir: string, logger: Logger) {
    this.name = config.name
    this.topics = new Set(config.topics)
    this.#config = config
    this.#dir = dir
    this.#logger = logger
  }

  publish(topic: string, event: Record<string, unknown>): void {
    const line = JSON.stringify(this.#config.elasticsearchCompatible ? elasticsearch(event) : event)
    const buffer = this.#buffers.get(topic) ?? []
    buffer.push(line)
    this.#buffers.set(topic, buffer)
    if (++this.#size >= this.#config.buffering.maxSize) void this.flush()
    else this.#timer ??= setTimeout(() => void this.flush(), this.#config.buffering.writeInterval)
  }

  /** Writes what is buffered; writes are serialized, so events keep their order. */
  flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const batches = [...this.#buffers]
    this.#buffers.clear()
    this.#size = 0
    this.#writing = this.#writing.then(async () => {
      for (const [topic, lines] of batches) {
        try {
          await this.#write(topic, `${lines.join('\n')}\n`)
        } catch (err) {
          this.#logger.error({ err, topic, events: lines.length }, 'audit events not written')
        }
      }
    })
    return this.#writing
  }

  async #write(topic: string, text: string): Promise<void> {
    await mkdir(this.#dir, { recursive: true })
    const file = join(this.#dir, `${topic}.audit.json`)
    await this.#rotate(topic, file, Buffer.byteLength(text))
    await appendFile(file, text)
  }

  async #rotate(topic: string, file: string, adding: number): Promise<void> {
    const rotation = this.#config.fileRotation
    if (!rotation.rotationEnabled) return
    let size = 0
    try {
      size = (await stat(file)).size
    } catch {
      this.#openedAt.set(topic, Date.now())
      return
    }
    const opened = this.#openedAt.get(topic) ?? Date.now()
    if (!this.#openedAt.has(topic)) this.#openedAt.set(topic, opened)
    if (!rotationDue(rotation, size, adding, opened)) return
    const base = `${topic}.audit.json`
    const target = await historyFile(
      this.#dir,
      rotation.rotationFilePrefix,
      base,
      rotation.rotationFileSuffix,
      new Date(),
    )
    await rename(file, target)
    this.#openedAt.set(topic, Date.now())
    await pruneHistory(
      this.#dir,
      `${rotation.rotationFilePrefix}${base}`,
      this.#config.fileRetention.maxNumberOfHistoryFiles,
    )
  }

  async close(): Promise<void> {
    await this.flush()
  }
}

/** JsonAuditEventHandler. */
export const jsonAuditEventHandler = heaplet({
  schema: JsonConfig,
  description: 'Writes audit events as JSON lines, one file per topic.',
  create: (config, env) =>
    new JsonAuditEventHandler(config, dirOf(config.logDirectory, env), env.logger),
})

/** JsonStdoutAuditEventHandler: one JSON line per event on standard output. */
export class JsonStdoutAuditEventHandler implements AuditEventHandler {
  readonly name: string
  readonly topics: ReadonlySet<string>
  readonly #elasticsearch: boolean
  readonly #out: NodeJS.WritableStream
  constructor(
    config: { name: string; topics: string[]; elasticsearchCompatible: boolean },
    out: NodeJS.WritableStream = process.stdout,
  ) {
    this.name = config.name
    this.topics = new Set(config.topics)
    this.#elasticsearch = config.elasticsearchCompatible
    this.#out = out
  }
  publish(topic: string, event: Record<string, unknown>): void {
    const body = this.#elasticsearch ? elasticsearch(event) : event
    this.#out.write(`${JSON.stringify({ ...body, source: 'audit', topic })}\n`)
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export const jsonStdoutAuditEventHandler = heaplet({
  schema: Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      topics: Topics,
      elasticsearchCompatible: Type.Boolean({ default: false }),
    },
    { additionalProperties: false },
  ),
  description: 'Writes audit events as JSON lines on standard output.',
  create: (config) => new JsonStdoutAuditEventHandler(config),
})
