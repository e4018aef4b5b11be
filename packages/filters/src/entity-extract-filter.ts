import {
  Expr,
  heaplet,
  Pattern,
  PatternTemplate,
  requestBindings,
  StringEnum,
  Type,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Request,
  type Response,
} from '@postern/core'
import { nodeEncoding } from '@postern/core/internal'

/**
 * EntityExtractFilter: finds patterns in the request or response entity and stores a map of the
 * results (`key` → match, or the template applied to it) at the target.
 */
export const entityExtractFilter = heaplet({
  schema: Type.Object(
    {
      messageType: StringEnum(['REQUEST', 'RESPONSE']),
      charset: Type.Optional(Type.String({ description: 'Overrides the charset of the message.' })),
      target: Expr(Type.String(), {
        description: 'L-value receiving a map of key → extracted value.',
      }),
      bindings: Type.Array(
        Type.Object(
          { key: Type.String(), pattern: Type.String(), template: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  description: 'Extracts regular-expression matches from a message entity into a target.',
  create: (config, env): Filter => {
    const fail = (pointer: string, reason: string): never => {
      throw env.configError(pointer, reason)
    }
    const target = config.target
    if (!target.isLValue) fail('/target', `not an l-value expression: ${target.toString()}`)
    let encoding: BufferEncoding | undefined
    if (config.charset !== undefined)
      encoding =
        nodeEncoding(config.charset) ?? fail('/charset', `unsupported charset ${config.charset}`)
    const bindings = config.bindings.map((b, i) => {
      let pattern: Pattern
      try {
        pattern = Pattern.compile(b.pattern)
      } catch (err) {
        return fail(`/bindings/${i}/pattern`, `not a valid pattern: ${(err as Error).message}`)
      }
      return {
        key: b.key,
        pattern,
        template: b.template === undefined ? undefined : PatternTemplate.parse(b.template),
      }
    })
    const onRequest = config.messageType === 'REQUEST'
    const extract = async (context: Context, request: Request, response?: Response) => {
      const message = response ?? request
      const bytes = await message.entity.bytes()
      const charset = /charset=([^;]+)/i
        .exec(message.headers.get('content-type') ?? '')?.[1]
        ?.trim()
        .toLowerCase()
      const text = bytes.toString(
        encoding ?? (charset ? nodeEncoding(charset) : undefined) ?? 'utf8',
      )
      const results: Record<string, string | null> = {}
      for (const { key, pattern, template } of bindings) {
        const match = pattern.find(text)
        results[key] = match === null ? null : template ? template.fill(match) : match[0]
      }
      target.assign(requestBindings(env.bindings, context, request, response), results)
    }
    return {
      async filter(context: Context, request: Request, next: Handler) {
        if (onRequest) await extract(context, request)
        const response = await next.handle(context, request)
        if (!onRequest) await extract(context, request, response)
        return response
      },
    }
  },
})
