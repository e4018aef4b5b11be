import { EvaluationError } from './errors.js'

export function isNullish(v: unknown): v is null | undefined {
  return v === null || v === undefined
}

/** EL's coercion to a number: null and '' are 0, numeric strings parse, anything else fails. */
export function toNumber(v: unknown): number {
  if (isNullish(v) || v === '') return 0
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string') {
    const n = Number(v.trim())
    if (v.trim() !== '' && !Number.isNaN(n)) return n
  }
  throw new EvaluationError(
    `cannot coerce ${typeof v === 'string' ? `'${v}'` : typeof v} to a number`,
  )
}

/** EL's coercion to boolean: null is false, strings are true when "true" (any case). */
export function toBoolean(v: unknown): boolean {
  if (isNullish(v)) return false
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') return v.toLowerCase() === 'true'
  throw new EvaluationError(`cannot coerce ${typeof v} to a boolean`)
}

/** The string form of a value, as IG prints it in a template: null is ''. */
export function toText(v: unknown): string {
  if (isNullish(v)) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  if (v instanceof Date) return v.toISOString()
  if (Buffer.isBuffer(v)) return v.toString('utf8')
  if (typeof v === 'object') {
    const own = (v as { toString?: () => string }).toString
    if (
      typeof own === 'function' &&
      own !== Object.prototype.toString &&
      own !== Array.prototype.toString
    )
      return own.call(v)
    if (v instanceof Map) return JSON.stringify(Object.fromEntries(v))
    try {
      return JSON.stringify(v)
    } catch {
      return String(v)
    }
  }
  return String(v)
}

export function arithmetic(op: '+' | '-' | '*' | '/' | '%', a: unknown, b: unknown): number {
  if (isNullish(a) && isNullish(b)) return 0
  const x = toNumber(a)
  const y = toNumber(b)
  switch (op) {
    case '+':
      return x + y
    case '-':
      return x - y
    case '*':
      return x * y
    case '/':
      return x / y
    case '%':
      return x % y
  }
}

/** EL equality: numbers numerically, booleans as booleans, otherwise strings; lists element-wise. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (isNullish(a) || isNullish(b)) return isNullish(a) && isNullish(b)
  if (typeof a === 'number' || typeof b === 'number') {
    try {
      return toNumber(a) === toNumber(b)
    } catch {
      return false
    }
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    try {
      return toBoolean(a) === toBoolean(b)
    } catch {
      return false
    }
  }
  if (typeof a === 'string' || typeof b === 'string') return toText(a) === toText(b)
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equals(x, b[i]))
  return false
}

/** EL relational comparison; false when either side is null. */
export function compare(op: '<' | '>' | '<=' | '>=', a: unknown, b: unknown): boolean {
  if (isNullish(a) || isNullish(b)) return false
  let c: number
  if (typeof a === 'number' || typeof b === 'number') c = toNumber(a) - toNumber(b)
  else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0
  else if (a instanceof Date && b instanceof Date) c = a.getTime() - b.getTime()
  else c = toNumber(a) - toNumber(b)
  switch (op) {
    case '<':
      return c < 0
    case '>':
      return c > 0
    case '<=':
      return c <= 0
    case '>=':
      return c >= 0
  }
}

/** The `empty` operator: null, '', and empty lists, maps and objects. */
export function isEmpty(v: unknown): boolean {
  if (isNullish(v) || v === '') return true
  if (Array.isArray(v)) return v.length === 0
  if (v instanceof Map || v instanceof Set) return v.size === 0
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return Object.keys(v as object).length === 0
  return false
}
