import {
  heaplet,
  Response,
  Type,
  type Context,
  type Filter,
  type Handler,
  type HeapletEnv,
  type Request,
} from '@postern/core'
import { Script, ScriptConfig, ThrottlingRate } from './script.js'

const schema = Type.Object(ScriptConfig, { additionalProperties: false })

/** Runs a script and checks it answered with a Response: else a 500, logged with the script. */
async function respond(
  script: Script,
  env: HeapletEnv,
  context: Context,
  request: Request,
  next?: Handler,
): Promise<Response> {
  let result: unknown
  try {
    result = await script.run(context, request, next)
  } catch (err) {
    env.logger.error({ err, script: script.name }, 'script failed')
    return Response.of(500)
  }
  if (result instanceof Response) return result
  env.logger.error(
    { script: script.name, returned: typeof result },
    'script did not return a Response',
  )
  return Response.of(500)
}

/** ScriptableFilter: a script with `next`; it returns (a promise of) the response. */
export const scriptableFilter = heaplet({
  schema,
  description: 'A filter written in JavaScript.',
  create: async (config, env): Promise<Filter> => {
    const script = await Script.load(config, env)
    return { filter: (context, request, next) => respond(script, env, context, request, next) }
  },
})

/** ScriptableHandler: a script that returns (a promise of) the response. */
export const scriptableHandler = heaplet({
  schema,
  description: 'A handler written in JavaScript.',
  create: async (config, env): Promise<Handler> => {
    const script = await Script.load(config, env)
    return { handle: (context, request) => respond(script, env, context, request) }
  },
})

/**
 * ScriptableThrottlingPolicy: a script that returns `new ThrottlingRate(n, 'duration')` for the
 * request (or null: not throttled).
 */
export const scriptableThrottlingPolicy = heaplet({
  schema,
  description: 'A throttling rate policy written in JavaScript.',
  create: async (config, env) => {
    const script = await Script.load(config, env)
    return {
      async lookup(context: Context, request: Request): Promise<ThrottlingRate | null> {
        let result: unknown
        try {
          result = await script.run(context, request)
        } catch (err) {
          env.logger.error({ err, script: script.name }, 'throttling script failed: not throttled')
          return null
        }
        if (result === null || result === undefined) return null
        if (result instanceof ThrottlingRate) return result
        env.logger.error(
          { script: script.name },
          'throttling script did not return a ThrottlingRate',
        )
        return null
      },
    }
  },
})
