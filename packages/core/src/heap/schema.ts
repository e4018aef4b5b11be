import {
  Type,
  type SchemaOptions,
  type Static,
  type TSchema,
  type TUnsafe,
} from '@sinclair/typebox'
import type { Expression } from '../expressions/index.js'
import type { ReferenceKind } from './reference-kind.js'

/** The annotation the heap reads to turn a JSON value into something else before `create`. */
export const X_POSTERN = 'x-postern'
/** Where a Ref's kind sits in its annotation: a symbol, so the schema still serializes as JSON. */
export const REFERENCE_KIND: unique symbol = Symbol('postern.referenceKind') as never

export type Conversion =
  | { kind: 'expr'; expected: string }
  | { kind: 'ref'; of: string; [REFERENCE_KIND]: ReferenceKind<unknown> }
  | { kind: 'duration' }
  | { kind: 'raw' }
  | { kind: 'enum'; values: readonly string[] }

export function conversionOf(schema: unknown): Conversion | undefined {
  return (schema as Record<string, Conversion> | null)?.[X_POSTERN]
}

function expectedType(schema: TSchema): string {
  const t = (schema as { type?: unknown }).type
  if (t === 'boolean' || t === 'integer' || t === 'number' || t === 'string') return t
  if (t === 'array') {
    const items = (schema as { items?: { type?: unknown } }).items
    return items?.type === 'string' ? 'string[]' : 'array'
  }
  if (t === 'object') return 'object'
  return 'any'
}

/**
 * A runtime expression of the given type, parsed when the heap is built and evaluated per request:
 * `Expr(Type.Boolean())` accepts `true` or `"${request.method == 'GET'}"`.
 */
export function Expr<T extends TSchema>(
  of: T,
  options: SchemaOptions = {},
): TUnsafe<Expression<Static<T>>> {
  const t = (of as { type?: unknown }).type
  // an expression of any type accepts any JSON; otherwise a string (the expression) or the type itself
  const type = t === undefined ? {} : { type: [...new Set(['string', t].flat() as string[])] }
  return Type.Unsafe<Expression<Static<T>>>({
    ...options,
    ...type,
    [X_POSTERN]: { kind: 'expr', expected: expectedType(of) },
  })
}

/**
 * A reference to another heap object: its name (also from a configuration expression) or an
 * inline declaration `{ "type": ..., "config": ... }`. The heap checks the object against `kind`
 * once, when it resolves the reference: `Ref(Kinds.Handler)` is a Handler in `create`.
 */
export function Ref<T>(kind: ReferenceKind<T>, options: SchemaOptions = {}): TUnsafe<T> {
  if (typeof kind?.is !== 'function')
    throw new TypeError('Ref() takes a reference kind: Kinds.Handler, or one from referenceKind()')
  return Type.Unsafe<T>({
    ...options,
    type: ['string', 'object'],
    [X_POSTERN]: { kind: 'ref', of: kind.name, [REFERENCE_KIND]: kind },
  })
}

/** A duration such as `"1 hour 5 min"`, `"indefinite"`, converted to milliseconds (Infinity). */
export function Duration(options: SchemaOptions = {}): TUnsafe<number> {
  return Type.Unsafe<number>({ ...options, type: 'string', [X_POSTERN]: { kind: 'duration' } })
}

/** Any JSON, passed to `create` as written: no configuration expression is evaluated inside. */
export function Raw<T = unknown>(options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, [X_POSTERN]: { kind: 'raw' } })
}

/**
 * One of the strings, with one clear error where a union of literals yields three. Matched without
 * regard to case, as IG reads enumerations (`"messageType": "response"`), then given as written here.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({
    ...options,
    type: 'string',
    enum: [...values],
    [X_POSTERN]: { kind: 'enum', values: [...values] },
  })
}

/** The `sameSite` property of IG's cookie objects: STRICT, LAX (the default) or NONE, any case. */
export function SameSite(options: SchemaOptions = {}): TUnsafe<'STRICT' | 'LAX' | 'NONE'> {
  return StringEnum(['STRICT', 'LAX', 'NONE'], {
    default: 'LAX',
    description: 'When the user agent sends the cookie (not case-sensitive).',
    ...options,
  })
}
