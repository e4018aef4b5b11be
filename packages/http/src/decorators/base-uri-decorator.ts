import {
  ConfigError,
  Expression,
  ExpressionSyntaxError,
  heaplet,
  isFilter,
  isHandler,
  MutableUri,
  requestBindings,
  Response,
  Type,
  type Bindings,
  type Context,
  type DecorationContext,
  type Decorator,
  type Filter,
  type Handler,
  type Logger,
  type Request,
} from '@postern/core'

/** Rebases the request URI (scheme, host, port) to the evaluated base URI. */
function rebase(
  expr: Expression<string>,
  constant: MutableUri | null,
  scope: () => Bindings,
  request: Request,
  logger: Logger,
): boolean {
  if (constant) {
    request.uri.rebase(constant)
    return true
  }
  const text = expr.eval(scope())
  const base = text === null ? null : MutableUri.tryParse(text)
  if (base === null || base.host === null || base.scheme === null) {
    logger.error(
      { baseURI: expr.template, value: text },
      'baseURI does not evaluate to an absolute URI',
    )
    return false
  }
  request.uri.rebase(base)
  return true
}

/**
 * BaseUriDecorator: `"baseURI": "http://app.example.com:8081"` on a filter or handler rebases the
 * request URI before it reaches the object. Scheme, host and port only; the path stays.
 */
export class BaseUriDecorator implements Decorator {
  readonly #bindings: Bindings

  constructor(bindings: Bindings) {
    this.#bindings = bindings
  }

  decorate(object: unknown, config: unknown, at: DecorationContext): unknown {
    if (config === null || config === undefined || config === false) return object
    if (typeof config !== 'string')
      throw new ConfigError(at.source, at.pointer, 'baseURI must be a URL string or expression', {
        name: at.name,
        type: at.type,
      })
    let expr: Expression<string>
    try {
      expr = Expression.parse<string>(config, {
        expectedType: 'string',
        functions: at.heap.functions,
      })
    } catch (err) {
      if (err instanceof ExpressionSyntaxError)
        throw new ConfigError(
          at.source,
          at.pointer,
          `expression syntax error at column ${err.column}: ${err.reason}`,
          { name: at.name, type: at.type },
        )
      throw err
    }
    if (expr.isConstant && MutableUri.tryParse(config)?.host == null) {
      throw new ConfigError(at.source, at.pointer, `baseURI is not an absolute URI: ${config}`, {
        name: at.name,
        type: at.type,
      })
    }
    const bindings = at.heap.bindings ?? this.#bindings
    const logger = at.logger
    // a constant base URI is parsed once
    const constant = expr.isConstant ? MutableUri.parse(config) : null
    if (isFilter(object)) {
      const filter = object as Filter
      return {
        filter: (context: Context, request: Request, next: Handler) =>
          rebase(expr, constant, () => requestBindings(bindings, context, request), request, logger)
            ? filter.filter(context, request, next)
            : Promise.resolve(Response.of(500)),
      } satisfies Filter
    }
    if (isHandler(object)) {
      const handler = object as Handler & { upgrade?: (...args: never[]) => unknown }
      const decorated: Handler & { upgrade?: unknown } = {
        handle: (context: Context, request: Request) =>
          rebase(expr, constant, () => requestBindings(bindings, context, request), request, logger)
            ? handler.handle(context, request)
            : Promise.resolve(Response.of(500)),
      }
      return decorated
    }
    return object
  }
}

export const baseUriDecorator = heaplet({
  schema: Type.Object({}, { additionalProperties: false }),
  description: 'Overrides the scheme, host and port of the request URI.',
  create: (_config, env) => new BaseUriDecorator(env.bindings),
})
