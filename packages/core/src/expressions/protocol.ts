/**
 * How the expression language reads and writes values that are not plain JSON.
 *
 * Message objects (headers, cookies, forms, contexts) implement these symbols so that
 * `request.headers['user-id'][0]` reads the way IG reads it (case-insensitively, as a list)
 * without the evaluator knowing the classes.
 */
export const EL_GET: unique symbol = Symbol.for('postern.el.get') as never
export const EL_SET: unique symbol = Symbol.for('postern.el.set') as never

/** An object that resolves `obj.name` and `obj[key]` itself; `undefined` means "no such property" (null in IG). */
export interface ElReadable {
  [EL_GET](key: string | number): unknown
}

/** An object that accepts `obj.name = value` from an l-value expression (AssignmentFilter, EntityExtractFilter). */
export interface ElWritable {
  [EL_SET](key: string | number, value: unknown): void
}

export function isElReadable(value: unknown): value is ElReadable {
  return typeof value === 'object' && value !== null && EL_GET in value
}

export function isElWritable(value: unknown): value is ElWritable {
  return typeof value === 'object' && value !== null && EL_SET in value
}
