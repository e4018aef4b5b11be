import { randomUUID } from 'node:crypto'
import {
  AttributesContext,
  definePlugin,
  heaplet,
  Kinds,
  Ref,
  Response,
  Type,
  type Filter,
  type Plugin,
} from '@postern/core'
import pkg from '../package.json' with { type: 'json' }

const VALID_ID = /^[A-Za-z0-9._-]{1,128}$/

/**
 * RequestIdFilter: gives every request an ID, in a request header for the application, in the
 * response for the client, and in `${attributes.requestId}` for the rest of the route.
 */
const requestIdFilter = heaplet({
  // the config schema: ajv validates it, fills the defaults and names bad properties by pointer
  schema: Type.Object(
    {
      headerName: Type.String({ default: 'X-Request-Id', description: 'The header to use.' }),
      trustIncoming: Type.Boolean({
        default: false,
        description: 'Keep an ID the client sent (only behind a trusted proxy).',
      }),
      prefix: Type.String({ default: '', maxLength: 32, description: 'Put before every new ID.' }),
      invalidIdHandler: Type.Optional(
        Ref(Kinds.Handler, {
          description:
            'Answers a trusted incoming ID that is not 1 to 128 of [A-Za-z0-9._-]; default 400.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  description: 'Gives every request an ID, in a header and in attributes.requestId.',
  create: (config, env): Filter => {
    if (!/^[A-Za-z0-9-]+$/.test(config.headerName))
      throw env.configError('/headerName', `not a header name: ${config.headerName}`)
    return {
      async filter(context, request, next) {
        const incoming = config.trustIncoming ? request.headers.get(config.headerName) : undefined
        if (incoming !== undefined && !VALID_ID.test(incoming)) {
          if (config.invalidIdHandler) return config.invalidIdHandler.handle(context, request)
          return Response.of(400, `invalid ${config.headerName}`)
        }
        const id = incoming ?? `${config.prefix}${randomUUID()}`
        request.headers.set(config.headerName, id)
        const attributes = context.as(AttributesContext)
        if (attributes) attributes.attributes.requestId = id
        const response = await next.handle(context, request)
        response.headers.set(config.headerName, id)
        return response
      },
    }
  },
})

/** The plugin: its types by name, an expression function, the core versions it works with. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  // the plugins whose types this one needs in the same gateway: none, it uses only core's
  // interfaces (the invalidIdHandler is any Handler the route declares)
  dependencies: [],
  types: { RequestIdFilter: requestIdFilter },
  functions: { shout: (text) => String(text ?? '').toUpperCase() },
})
export default plugin
