import {
  Kinds,
  Expr,
  heaplet,
  Ref,
  requestBindings,
  Response,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'

async function holds(condition: Expression<boolean>, scope: Bindings): Promise<boolean> {
  return (await condition.evaluate(scope)) === true
}

/** ConditionEnforcementFilter: continues only when the condition holds; otherwise failureHandler or 403. */
export const conditionEnforcementFilter = heaplet({
  schema: Type.Object(
    {
      condition: Expr(Type.Boolean(), { description: 'The request continues when this is true.' }),
      failureHandler: Type.Optional(
        Ref(Kinds.Handler, {
          description: 'Handles the request when the condition is false; default 403.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  description: 'Continues only when a condition holds; otherwise the failure handler or 403.',
  create: ({ condition, failureHandler }, env): Filter => ({
    async filter(context: Context, request: Request, next: Handler) {
      if (await holds(condition, requestBindings(env.bindings, context, request)))
        return next.handle(context, request)
      return failureHandler ? failureHandler.handle(context, request) : Response.of(403)
    },
  }),
})

/** ConditionalFilter: applies the delegate filter only when the condition holds. */
export const conditionalFilter = heaplet({
  schema: Type.Object(
    {
      condition: Expr(Type.Boolean(), {
        description: 'Use the delegate when true; skip it otherwise.',
      }),
      delegate: Ref(Kinds.Filter, {
        description: 'The filter applied when the condition holds.',
      }),
    },
    { additionalProperties: false },
  ),
  description: 'Applies a delegate filter only when a condition holds.',
  create: ({ condition, delegate }, env): Filter => ({
    async filter(context: Context, request: Request, next: Handler) {
      if (await holds(condition, requestBindings(env.bindings, context, request)))
        return delegate.filter(context, request, next)
      return next.handle(context, request)
    },
  }),
})

const Case = Type.Object(
  {
    condition: Type.Optional(Expr(Type.Boolean(), { description: 'Default ${true}.' })),
    handler: Ref(Kinds.Handler),
  },
  { additionalProperties: false },
)

/**
 * SwitchFilter: the first `onRequest` case whose condition holds handles the request instead of
 * the chain; on the way back, the first `onResponse` case whose condition holds replaces the
 * response.
 */
export const switchFilter = heaplet({
  schema: Type.Object(
    {
      onRequest: Type.Array(Case, {
        default: [],
        description: 'Cases tested before the request is handled.',
      }),
      onResponse: Type.Array(Case, {
        default: [],
        description: 'Cases tested after the response is handled.',
      }),
    },
    { additionalProperties: false },
  ),
  description: 'Diverts the request or the response to a handler when a condition holds.',
  create: ({ onRequest, onResponse }, env): Filter => ({
    async filter(context: Context, request: Request, next: Handler) {
      const before = requestBindings(env.bindings, context, request)
      for (const c of onRequest)
        if (!c.condition || (await holds(c.condition, before)))
          return c.handler.handle(context, request)
      const response = await next.handle(context, request)
      if (onResponse.length === 0) return response
      const after = requestBindings(env.bindings, context, request, response)
      for (const c of onResponse) {
        if (!c.condition || (await holds(c.condition, after))) {
          await response.entity.discard()
          return c.handler.handle(context, request)
        }
      }
      return response
    },
  }),
})
