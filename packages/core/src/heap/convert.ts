import type { TSchema } from '@sinclair/typebox'
import type { Bindings } from '../bindings.js'
import {
  Expression,
  ExpressionSyntaxError,
  type ExpectedType,
  type FunctionTable,
} from '../expressions/index.js'
import { parseDuration } from '../util/duration.js'
import type { ReferenceKind } from './reference-kind.js'
import { conversionOf, REFERENCE_KIND, type Conversion } from './schema.js'
import { validatorOf } from './validate.js'

type Fail = (pointer: string, reason: string, cause?: unknown) => void
/** What configuration expressions see: the static bindings and the gateway's functions. */
interface Scope {
  bindings: Bindings
  functions: FunctionTable
}
type Schema = TSchema & {
  type?: string | string[]
  properties?: Record<string, Schema>
  patternProperties?: Record<string, Schema>
  additionalProperties?: Schema | boolean
  items?: Schema
  anyOf?: Schema[]
  oneOf?: Schema[]
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1')
}

function hasExpression(value: unknown): value is string {
  return typeof value === 'string' && (value.includes('${') || value.includes('#{'))
}

function typesOf(schema: Schema): string[] {
  return schema.type === undefined ? [] : [schema.type].flat()
}

function expectedFor(schema: Schema): ExpectedType {
  const types = typesOf(schema).filter((t) => t !== 'null')
  if (types.length !== 1) return 'any'
  const t = types[0]!
  if (
    t === 'integer' ||
    t === 'number' ||
    t === 'boolean' ||
    t === 'string' ||
    t === 'object' ||
    t === 'array'
  )
    return t
  return 'any'
}

function branches(schema: Schema): Schema[] | undefined {
  return schema.anyOf ?? schema.oneOf
}

function childSchema(schema: Schema, key: string): Schema | undefined {
  const direct = schema.properties?.[key]
  if (direct) return direct
  for (const [pattern, sub] of Object.entries(schema.patternProperties ?? {})) {
    if (new RegExp(pattern, 'u').test(key)) return sub
  }
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

function branchFor(options: Schema[], value: unknown): Schema | undefined {
  const kind = jsonKind(value)
  return options.find((s) => {
    const types = typesOf(s)
    return (
      types.length === 0 || types.includes(kind) || (kind === 'number' && types.includes('integer'))
    )
  })
}

function evaluateOne(
  text: string,
  expected: ExpectedType,
  scope: Scope,
  at: string,
  fail: Fail,
): unknown {
  try {
    return Expression.parse(text, { expectedType: expected, functions: scope.functions }).eval(
      scope.bindings,
    )
  } catch (err) {
    if (err instanceof ExpressionSyntaxError)
      fail(at, `expression syntax error at column ${err.column}: ${err.reason}`, err)
    else fail(at, `cannot evaluate configuration expression: ${(err as Error).message}`, err)
    return text
  }
}

/**
 * A string where a boolean or a number is expected, as IG reads `"enabled": "true"` or a
 * configuration token's `"port": "&{port|8080}"`: coerced when it is one; otherwise left for the
 * schema to refuse.
 */
function literal(text: string, expected: ExpectedType): unknown {
  const trimmed = text.trim()
  if (expected === 'boolean' && /^(true|false)$/i.test(trimmed))
    return trimmed.toLowerCase() === 'true'
  if (
    (expected === 'integer' || expected === 'number') &&
    /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)
  )
    return Number(trimmed)
  return text
}

/**
 * Configuration expressions: `${...}` strings where the schema expects a plain value are
 * evaluated once, when the heap is built, with the static bindings (properties, env, system).
 * Runtime expressions (Expr), references and raw JSON are left for later.
 */
function evaluateConfigExpressions(
  schema: TSchema,
  value: unknown,
  scope: Scope,
  fail: Fail,
  at = '',
): unknown {
  const s = schema as Schema
  const conversion = conversionOf(s)
  if (conversion) {
    if (conversion.kind === 'expr' || conversion.kind === 'raw') return value
    if (conversion.kind === 'enum') {
      const text = hasExpression(value) ? evaluateOne(value, 'string', scope, at, fail) : value
      if (typeof text !== 'string') return text
      return conversion.values.find((v) => v.toLowerCase() === text.toLowerCase()) ?? text
    }
    if (hasExpression(value))
      return evaluateOne(value, conversion.kind === 'ref' ? 'any' : 'string', scope, at, fail)
    return value
  }
  const options = branches(s)
  if (options) {
    if (hasExpression(value)) {
      if (options.some((o) => conversionOf(o) !== undefined)) return value
      return evaluateOne(value, 'any', scope, at, fail)
    }
    const branch = branchFor(options, value)
    return branch ? evaluateConfigExpressions(branch, value, scope, fail, at) : value
  }
  if (hasExpression(value)) {
    if (typesOf(s).length === 0) return value // any JSON: left as written
    return evaluateOne(value, expectedFor(s), scope, at, fail)
  }
  if (typeof value === 'string') return literal(value, expectedFor(s))
  if (Array.isArray(value) && s.items) {
    return value.map((item, i) =>
      evaluateConfigExpressions(s.items!, item, scope, fail, `${at}/${i}`),
    )
  }
  if (
    jsonKind(value) === 'object' &&
    (s.properties || s.patternProperties || s.additionalProperties)
  ) {
    const out = value as Record<string, unknown>
    for (const [key, v] of Object.entries(out)) {
      const sub = childSchema(s, key)
      if (sub) out[key] = evaluateConfigExpressions(sub, v, scope, fail, `${at}/${escape(key)}`)
    }
    return out
  }
  return value
}

interface ConvertOptions {
  fail: Fail
  functions: FunctionTable
  resolve: (ref: unknown, pointer: string, kind: ReferenceKind<unknown>) => Promise<unknown>
}

async function convertAnnotated(
  conversion: Conversion,
  value: unknown,
  at: string,
  options: ConvertOptions,
): Promise<unknown> {
  switch (conversion.kind) {
    case 'expr': {
      if (typeof value !== 'string') return Expression.constant(value) // a literal where an expression may stand
      const text = value
      try {
        const expected = (
          conversion.expected === 'array' ? 'any' : conversion.expected
        ) as ExpectedType
        return Expression.parse(text, { expectedType: expected, functions: options.functions })
      } catch (err) {
        if (err instanceof ExpressionSyntaxError)
          options.fail(at, `expression syntax error at column ${err.column}: ${err.reason}`, err)
        else options.fail(at, (err as Error).message, err)
        return undefined
      }
    }
    case 'ref':
      return options.resolve(value, at, conversion[REFERENCE_KIND])
    case 'duration':
      try {
        return parseDuration(String(value))
      } catch (err) {
        options.fail(at, (err as Error).message, err)
        return undefined
      }
    case 'raw':
    case 'enum':
      return value
  }
}

/** After validation: Expr strings become Expressions, Refs heap objects, Durations milliseconds. */
async function convert(
  schema: TSchema,
  value: unknown,
  at: string,
  options: ConvertOptions,
): Promise<unknown> {
  const s = schema as Schema
  if (value === undefined) return value
  const conversion = conversionOf(s)
  if (conversion) return convertAnnotated(conversion, value, at, options)
  const alternatives = branches(s)
  if (alternatives) {
    const branch = alternatives.find((b) => validatorOf(b)(value))
    return branch ? convert(branch, value, at, options) : value
  }
  if (Array.isArray(value) && s.items) {
    const out: unknown[] = []
    for (let i = 0; i < value.length; i++)
      out.push(await convert(s.items, value[i], `${at}/${i}`, options))
    return out
  }
  if (
    jsonKind(value) === 'object' &&
    (s.properties || s.patternProperties || s.additionalProperties)
  ) {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = childSchema(s, key)
      out[key] = sub ? await convert(sub, v, `${at}/${escape(key)}`, options) : v
    }
    return out
  }
  return value
}

export const convertConfig = { evaluateConfigExpressions, convert }
