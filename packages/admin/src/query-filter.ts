import { RequestError } from '@postern/core'

/**
 * Common REST query filters: `_queryFilter=/name eq "a" and !(/condition pr)`, evaluated against
 * JSON resources. Pointers are JSON pointers (a leading `/` is optional).
 */
export type QueryFilter = (resource: unknown) => boolean

/** A `_queryFilter` that cannot be parsed: the endpoint answers 400 with this message. */
export class QueryFilterError extends RequestError {
  override name = 'QueryFilterError'
  override code = 'ERR_POSTERN_ADMIN_QUERY'
  constructor(message: string, options?: ErrorOptions) {
    super(400, message, options)
  }
}

type Token =
  | { kind: 'lparen' | 'rparen' | 'not' }
  | { kind: 'word'; text: string }
  | { kind: 'value'; value: unknown }

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen' })
      i++
    } else if (c === '!') {
      tokens.push({ kind: 'not' })
      i++
    } else if (c === '"' || c === "'") {
      let out = ''
      i++
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++
        out += text[i++]
      }
      if (i >= text.length) throw new QueryFilterError(`unterminated string in "${text}"`)
      i++
      tokens.push({ kind: 'value', value: out })
    } else {
      let word = ''
      while (i < text.length && !/[\s()]/.test(text[i]!)) word += text[i++]
      tokens.push({ kind: 'word', text: word })
    }
  }
  return tokens
}

/** The value at a JSON pointer (`/a/b`, `a/b`), or undefined. */
export function pointerGet(resource: unknown, pointer: string): unknown {
  let value = resource
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    if (raw === '') continue
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  return undefined
}

function matches(op: string, actual: unknown, expected: unknown): boolean {
  // a field with several values matches when one of them does
  if (Array.isArray(actual)) return actual.some((a) => matches(op, a, expected))
  switch (op) {
    case 'eq':
      return actual === expected
    case 'co':
      return typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected)
    case 'sw':
      return (
        typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected)
      )
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const d = compare(actual, expected)
      if (d === undefined) return false
      return op === 'lt' ? d < 0 : op === 'le' ? d <= 0 : op === 'gt' ? d > 0 : d >= 0
    }
    default:
      throw new QueryFilterError(`unsupported operator ${op}`)
  }
}

/** Parses a query filter; throws QueryFilterError (a 400) when it is not valid. */
export function parseQueryFilter(text: string): QueryFilter {
  const tokens = tokenize(text)
  let pos = 0
  const peek = () => tokens[pos]
  const isWord = (t: Token | undefined, w: string): boolean =>
    t?.kind === 'word' && t.text.toLowerCase() === w

  function or(): QueryFilter {
    let left = and()
    while (isWord(peek(), 'or')) {
      pos++
      const l = left
      const r = and()
      left = (x) => l(x) || r(x)
    }
    return left
  }
  function and(): QueryFilter {
    let left = not()
    while (isWord(peek(), 'and')) {
      pos++
      const l = left
      const r = not()
      left = (x) => l(x) && r(x)
    }
    return left
  }
  function not(): QueryFilter {
    if (peek()?.kind === 'not') {
      pos++
      const inner = primary()
      return (x) => !inner(x)
    }
    return primary()
  }
  function primary(): QueryFilter {
    const t = tokens[pos++]
    if (!t) throw new QueryFilterError(`incomplete query filter "${text}"`)
    if (t.kind === 'lparen') {
      const inner = or()
      if (tokens[pos++]?.kind !== 'rparen') throw new QueryFilterError(`missing ) in "${text}"`)
      return inner
    }
    if (t.kind !== 'word') throw new QueryFilterError(`unexpected value in "${text}"`)
    if (t.text === 'true') return () => true
    if (t.text === 'false') return () => false
    const pointer = t.text
    const op = tokens[pos++]
    if (op?.kind !== 'word') throw new QueryFilterError(`missing operator after ${pointer}`)
    const name = op.text.toLowerCase()
    if (name === 'pr')
      return (x) => {
        const v = pointerGet(x, pointer)
        return v !== undefined && v !== null
      }
    if (!['eq', 'co', 'sw', 'lt', 'le', 'gt', 'ge'].includes(name))
      throw new QueryFilterError(`unsupported operator ${op.text}`)
    const v = tokens[pos++]
    let expected: unknown
    if (v?.kind === 'value') expected = v.value
    else if (v?.kind === 'word') {
      if (v.text === 'true' || v.text === 'false') expected = v.text === 'true'
      else if (v.text === 'null') expected = null
      else if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v.text)) expected = Number(v.text)
      else throw new QueryFilterError(`not a JSON value: ${v.text}`)
    } else throw new QueryFilterError(`missing value after ${pointer} ${op.text}`)
    return (x) => matches(name, pointerGet(x, pointer), expected)
  }

  const filter = or()
  if (pos !== tokens.length) throw new QueryFilterError(`unexpected text in "${text}"`)
  return filter
}
