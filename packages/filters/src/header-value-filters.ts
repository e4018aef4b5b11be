import { randomUUID } from 'node:crypto'
import { heaplet, Type, type Context, type Filter, type Handler, type Request } from '@postern/core'

/** DateHeaderFilter: adds an RFC 7231 `Date` header to responses that have none. */
export const dateHeaderFilter = heaplet({
  schema: Type.Object({}, { additionalProperties: false }),
  description: 'Adds a Date header to responses that have none.',
  create: (): Filter => ({
    async filter(context: Context, request: Request, next: Handler) {
      const response = await next.handle(context, request)
      if (!response.headers.has('date')) response.headers.set('Date', new Date().toUTCString())
      return response
    },
  }),
})

const FAPI_HEADER = 'x-fapi-interaction-id'

/**
 * FapiInteractionIdFilter: echoes the client's `x-fapi-interaction-id` in the response, or a new
 * UUID when the request has none, and logs it.
 */
export const fapiInteractionIdFilter = heaplet({
  schema: Type.Object({}, { additionalProperties: false }),
  description: 'Echoes or generates the x-fapi-interaction-id header.',
  create: (_config, env): Filter => ({
    async filter(context: Context, request: Request, next: Handler) {
      let id = request.headers.get(FAPI_HEADER)
      if (id === undefined || id.trim() === '') {
        id = randomUUID()
        request.headers.set(FAPI_HEADER, id)
      }
      if (env.logger.isLevelEnabled('info'))
        env.logger.info({ fapiInteractionId: id }, 'FAPI interaction')
      const response = await next.handle(context, request)
      response.headers.set(FAPI_HEADER, id)
      return response
    },
  }),
})
