import { setProperty } from './access.js'
import { readsEntity as nodeReadsEntity, type Part } from './ast.js'
import { isNullish, toNumber, toText } from './coerce.js'
import { EvaluationError, ExpressionError } from './errors.js'
import { evaluate, type Bindings } from './evaluate.js'
import { BUILTIN_FUNCTIONS, type FunctionTable } from './functions/index.js'
import { parseTemplate } from './parser.js'

export type ExpectedType =
  'string' | 'boolean' | 'integer' | 'number' | 'object' | 'array' | 'string[]' | 'any'

export interface ParseOptions {
  /** The type the result must have; the value is coerced as IG coerces it (null when it cannot be). */
  expectedType?: ExpectedType
  /** Bindings given at parse time; evaluation bindings take precedence over them. */
  bindings?: Bindings
  /**
   * The functions calls may name, bound at parse time: a gateway's `registry.functions` (built-ins
   * and its plugins' functions). Without it, the built-in functions only.
   */
  functions?: FunctionTable
}

function coerce(value: unknown, type: ExpectedType): unknown {
  if (isNullish(value)) return null
  switch (type) {
    case 'string':
      return toText(value)
    case 'boolean':
      if (typeof value === 'boolean') return value
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim()))
        return value.trim().toLowerCase() === 'true'
      return null
    case 'integer':
    case 'number': {
      if (typeof value === 'boolean') return null
      try {
        const n = toNumber(value)
        if (type === 'integer' && !Number.isInteger(n))
          return typeof value === 'number' ? Math.trunc(n) : null
        return n
      } catch {
        return null
      }
    }
    case 'array':
      return Array.isArray(value) ? value : [value]
    case 'string[]':
      return (Array.isArray(value) ? value : [value]).map((v) => (isNullish(v) ? null : toText(v)))
    default:
      return value
  }
}

/**
 * An IG expression template: text with `${...}` (immediate) and `#{...}` (deferred) expressions,
 * parsed once and evaluated per request.
 *
 * @example
 * const expr = Expression.parse<boolean>("${request.method == 'POST'}", { expectedType: 'boolean' })
 * expr.eval({ request }) // true or false; null when it cannot be evaluated
 */
export class Expression<T = unknown> {
  readonly template: string
  readonly isConstant: boolean
  readonly readsEntity: boolean
  readonly isDeferred: boolean
  readonly #parts: readonly Part[]
  readonly #type: ExpectedType
  readonly #initial: Bindings | undefined
  readonly #constant: unknown

  private constructor(
    template: string,
    parts: Part[],
    options: ParseOptions,
    constant?: { value: unknown },
  ) {
    this.template = template
    this.#parts = parts
    this.#type = options.expectedType ?? 'any'
    this.#initial = options.bindings
    this.isConstant = parts.every((p) => typeof p === 'string')
    this.isDeferred = parts.some((p) => typeof p !== 'string' && p.deferred)
    this.readsEntity = parts.some((p) => typeof p !== 'string' && nodeReadsEntity(p.node))
    this.#constant = constant
      ? constant.value
      : this.isConstant
        ? coerce(parts.join(''), this.#type)
        : undefined
  }

  /** Parses a template; throws ExpressionSyntaxError with the column of the problem. */
  static parse<T = unknown>(template: string, options: ParseOptions = {}): Expression<T> {
    if (typeof template !== 'string') throw new TypeError('an expression template must be a string')
    return new Expression<T>(
      template,
      parseTemplate(template, options.functions ?? BUILTIN_FUNCTIONS),
      options,
    )
  }

  /** An expression that always yields `value`. */
  static constant<T>(value: T): Expression<T> {
    return new Expression<T>(toText(value), [toText(value)], {}, { value })
  }

  /** Evaluates synchronously. Missing properties and failed coercions yield null, never an error. */
  eval(bindings: Bindings = {}): T | null {
    if (this.isConstant) return this.#constant as T | null
    const scope = this.#initial
      ? Object.assign(Object.create(this.#initial) as Bindings, bindings)
      : bindings
    try {
      if (this.#parts.length === 1) {
        const part = this.#parts[0]!
        if (typeof part !== 'string')
          return coerce(evaluate(part.node, scope), this.#type) as T | null
      }
      let text = ''
      for (const part of this.#parts)
        text += typeof part === 'string' ? part : toText(evaluate(part.node, scope))
      return coerce(text, this.#type) as T | null
    } catch (err) {
      if (err instanceof EvaluationError) return null
      throw err
    }
  }

  /**
   * Evaluates after buffering the request and response entities when the expression reads them,
   * as IG's deferred evaluation waits for the content. A body over its limit rejects (413).
   */
  async evaluate(bindings: Bindings = {}): Promise<T | null> {
    if (this.readsEntity) {
      for (const name of ['request', 'response']) {
        const entity = (
          bindings[name] as { entity?: { buffer?: () => Promise<unknown> } } | undefined
        )?.entity
        if (typeof entity?.buffer === 'function') await entity.buffer()
      }
    }
    return this.eval(bindings)
  }

  /** Whether this is a single `${...}` that names something that can be assigned. */
  get isLValue(): boolean {
    const part = this.#parts.length === 1 ? this.#parts[0] : undefined
    return (
      typeof part === 'object' &&
      (part.node.t === 'id' || part.node.t === 'member' || part.node.t === 'index')
    )
  }

  /** Assigns a value through an l-value expression; read-only targets are ignored, as in IG. */
  assign(bindings: Bindings, value: unknown): void {
    const part = this.#parts.length === 1 ? this.#parts[0] : undefined
    if (typeof part !== 'object' || !this.isLValue) {
      throw new ExpressionError(`not an l-value expression: ${this.template}`)
    }
    const node = part.node
    if (node.t === 'id') {
      bindings[node.name] = value
      return
    }
    if (node.t !== 'member' && node.t !== 'index') return
    try {
      const base = evaluate(node.obj, bindings)
      const key = node.t === 'member' ? node.key : evaluate(node.key, bindings)
      setProperty(base, key, value)
    } catch (err) {
      if (!(err instanceof EvaluationError)) throw err
    }
  }

  toString(): string {
    return this.template
  }

  toJSON(): string {
    return this.template
  }
}
