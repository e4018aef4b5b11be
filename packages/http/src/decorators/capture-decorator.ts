import {
  ConfigError,
  isFilter,
  isHandler,
  heaplet,
  Type,
  type Context,
  type DecorationContext,
  type Decorator,
  type Filter,
  type Handler,
  type Headers,
  type Logger,
  type Request,
  type Response,
  type Static,
} from '@postern/core'

const POINTS = [
  'all',
  'none',
  'request',
  'filtered_request',
  'response',
  'filtered_response',
] as const
type Point = (typeof POINTS)[number]

const CaptureDecoratorConfig = Type.Object(
  {
    captureEntity: Type.Boolean({
      default: false,
      description: 'Capture message entities (text only).',
    }),
    captureContext: Type.Boolean({
      default: false,
      description: 'Capture the context chain as JSON.',
    }),
    maxEntityLength: Type.Integer({
      minimum: 0,
      maximum: 2 ** 31 - 1,
      default: 524_288,
      description: 'Bytes of entity captured at most.',
    }),
    masks: Type.Optional(
      Type.Object(
        {
          headers: Type.Optional(Type.Array(Type.String())),
          trailers: Type.Optional(Type.Array(Type.String())),
          attributes: Type.Optional(Type.Array(Type.String())),
          mask: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
type CaptureDecoratorConfig = Static<typeof CaptureDecoratorConfig>

const TEXT =
  /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript|[a-z.+-]*\+(json|xml)))/i

function patterns(list: readonly string[] | undefined): RegExp[] {
  return (list ?? []).map((p) => new RegExp(`^(?:${p})$`, 'i'))
}

/**
 * CaptureDecorator: logs requests and responses at capture points of a filter or handler, through
 * the route's logger (in the gateway, `logs/route-<name>.log`), with masks applied.
 */
export class CaptureDecorator implements Decorator {
  readonly #config: CaptureDecoratorConfig
  readonly #headerMasks: RegExp[]
  readonly #trailerMasks: RegExp[]
  readonly #attributeMasks: RegExp[]
  readonly #mask: string

  constructor(config: CaptureDecoratorConfig) {
    this.#config = config
    this.#headerMasks = patterns(config.masks?.headers)
    this.#trailerMasks = patterns(config.masks?.trailers)
    this.#attributeMasks = patterns(config.masks?.attributes)
    this.#mask = config.masks?.mask ?? '*****'
  }

  decorate(object: unknown, config: unknown, at: DecorationContext): unknown {
    const list = (Array.isArray(config) ? config : [config]).map((p) => String(p).toLowerCase())
    for (const p of list) {
      if (!(POINTS as readonly string[]).includes(p)) {
        throw new ConfigError(
          at.source,
          at.pointer,
          `unknown capture point ${p}: use ${POINTS.join(', ')}`,
          { name: at.name, type: at.type },
        )
      }
    }
    const points = new Set(list as Point[])
    if (points.has('none') || points.size === 0 || config === false) return object
    const all = points.has('all')
    const want = (p: Point) => all || points.has(p)
    const logger = at.logger.child({ capture: at.name })
    if (isFilter(object)) {
      const filter = object as Filter
      return {
        filter: async (context: Context, request: Request, next: Handler): Promise<Response> => {
          if (want('request')) await this.#log(logger, 'request', context, request)
          const response = await filter.filter(context, request, {
            handle: async (c, r) => {
              if (want('filtered_request')) await this.#log(logger, 'filtered_request', c, r)
              const res = await next.handle(c, r)
              if (want('response')) await this.#log(logger, 'response', c, res)
              return res
            },
          })
          if (want('filtered_response'))
            await this.#log(logger, 'filtered_response', context, response)
          return response
        },
      } satisfies Filter
    }
    if (isHandler(object)) {
      const handler = object as Handler
      return {
        handle: async (context: Context, request: Request): Promise<Response> => {
          if (want('request')) await this.#log(logger, 'request', context, request)
          const response = await handler.handle(context, request)
          if (want('response')) await this.#log(logger, 'response', context, response)
          return response
        },
      } satisfies Handler
    }
    return object
  }

  #headers(headers: Headers, masks: RegExp[]): Record<string, string[]> {
    const out = headers.toJSON()
    for (const name of Object.keys(out))
      if (masks.some((m) => m.test(name))) out[name] = out[name]!.map(() => this.#mask)
    return out
  }

  async #log(
    logger: Logger,
    point: Point,
    context: Context,
    message: Request | Response,
  ): Promise<void> {
    const record: Record<string, unknown> = { point }
    if ('method' in message) {
      record.method = message.method
      record.uri = message.uri.toString()
    } else {
      record.status = message.status.code
      record.reason = message.status.reasonPhrase
    }
    record.headers = this.#headers(message.headers, this.#headerMasks)
    if ('trailers' in message && message.trailers.size > 0)
      record.trailers = this.#headers(message.trailers, this.#trailerMasks)
    if (this.#config.captureEntity) record.entity = await this.#entity(message)
    if (this.#config.captureContext) record.context = this.#context(context)
    logger.info(record, 'capture')
  }

  async #entity(message: Request | Response): Promise<string | undefined> {
    const type = message.headers.get('content-type')
    if (message.entity.isEmpty || type === undefined) return undefined
    if (!TEXT.test(type)) return '[binary entity]'
    try {
      const bytes = await message.entity.bytes()
      const max = this.#config.maxEntityLength
      return bytes.length > max
        ? `${bytes.subarray(0, max).toString('utf8')}[entity truncated]`
        : bytes.toString('utf8')
    } catch {
      return '[entity not captured]'
    }
  }

  #context(context: Context): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (let c: Context | null = context; c !== null; c = c.parent) {
      if (c.name in out) continue
      const fields: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(c)) {
        if (key === 'parent') continue
        fields[key] =
          key === 'attributes' && value && typeof value === 'object'
            ? this.#attributes(value as Record<string, unknown>)
            : value
      }
      out[c.name] = fields
    }
    return out
  }

  #attributes(attributes: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(attributes))
      out[k] = this.#attributeMasks.some((m) => m.test(k)) ? this.#mask : v
    return out
  }
}

export const captureDecorator = heaplet({
  schema: CaptureDecoratorConfig,
  description: 'Captures requests and responses in the route log.',
  create: (config) => new CaptureDecorator(config),
})
