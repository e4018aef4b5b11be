import { callMethod, getProperty, isEmptyValue } from './access.js'
import type { Node } from './ast.js'
import { arithmetic, compare, equals, isNullish, toBoolean } from './coerce.js'
import { EvaluationError } from './errors.js'
import { ExpressionInstant } from './instant.js'

export type Bindings = Record<string, unknown>

function lookup(bindings: Bindings, name: string): unknown {
  if (name in bindings) return bindings[name]
  if (name === 'now') return new ExpressionInstant()
  return undefined
}

/** Evaluates one node. Missing properties are undefined; failed coercions throw EvaluationError. */
export function evaluate(node: Node, bindings: Bindings): unknown {
  switch (node.t) {
    case 'lit':
      return node.v
    case 'id':
      return lookup(bindings, node.name)
    case 'member':
      return getProperty(evaluate(node.obj, bindings), node.key)
    case 'index': {
      const base = evaluate(node.obj, bindings)
      return isNullish(base) ? undefined : getProperty(base, evaluate(node.key, bindings))
    }
    case 'call': {
      return node.fn(...node.args.map((a) => nullOf(evaluate(a, bindings))))
    }
    case 'method': {
      const base = evaluate(node.obj, bindings)
      return callMethod(
        base,
        node.name,
        node.args.map((a) => nullOf(evaluate(a, bindings))),
      )
    }
    case 'unary': {
      const v = evaluate(node.arg, bindings)
      if (node.op === 'empty') return isEmptyValue(v)
      if (node.op === '!') return !toBoolean(v)
      return isNullish(v) ? 0 : -arithmetic('+', 0, v)
    }
    case 'bin':
      switch (node.op) {
        case '&&':
          return toBoolean(evaluate(node.l, bindings)) && toBoolean(evaluate(node.r, bindings))
        case '||':
          return toBoolean(evaluate(node.l, bindings)) || toBoolean(evaluate(node.r, bindings))
        case '==':
          return equals(evaluate(node.l, bindings), evaluate(node.r, bindings))
        case '!=':
          return !equals(evaluate(node.l, bindings), evaluate(node.r, bindings))
        case '<':
        case '>':
        case '<=':
        case '>=':
          return compare(node.op, evaluate(node.l, bindings), evaluate(node.r, bindings))
        default:
          return arithmetic(node.op, evaluate(node.l, bindings), evaluate(node.r, bindings))
      }
    case 'cond':
      return toBoolean(evaluate(node.test, bindings))
        ? evaluate(node.yes, bindings)
        : evaluate(node.no, bindings)
  }
}

function nullOf(v: unknown): unknown {
  return v === undefined ? null : v
}
