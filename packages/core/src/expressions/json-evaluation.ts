import { Expression } from './expression.js'
import type { Bindings } from './evaluate.js'
import type { FunctionTable } from './functions/index.js'

/**
 * JSON evaluation of a whole configuration: string leaves that contain expressions are replaced
 * by their values (a failed evaluation is null), everything else passes through.
 */
export function evaluateJson(
  value: unknown,
  bindings: Bindings,
  functions?: FunctionTable,
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${') && !value.includes('#{')) return value
    let expr: Expression
    try {
      expr = Expression.parse(value, { functions })
    } catch {
      return value // not an expression after all: "$$$${{" stays as written
    }
    return expr.isConstant ? value : expr.eval(bindings)
  }
  if (Array.isArray(value)) return value.map((v) => evaluateJson(v, bindings, functions))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = evaluateJson(v, bindings, functions)
    return out
  }
  return value
}
