/**
 * What a heap reference must point to: `Ref(Kinds.Handler)` in a schema, checked once by the heap
 * when the reference is resolved; a mismatch is a ConfigError at the property's pointer.
 */
export interface ReferenceKind<T> {
  /** The name in errors: `heap object "x" is not a Handler`. */
  readonly name: string
  is(value: unknown): value is T
}

/**
 * Declares a kind of heap object other objects refer to; plugins declare their own.
 *
 * @example
 * export const ThrottlingPolicyKind = referenceKind('ThrottlingPolicy', isThrottlingPolicy)
 * const Config = Type.Object({ throttlingRatePolicy: Ref(ThrottlingPolicyKind) })
 */
export function referenceKind<T>(
  name: string,
  is: (value: unknown) => value is T,
): ReferenceKind<T> {
  if (typeof name !== 'string' || name === '') throw new TypeError('a reference kind needs a name')
  if (typeof is !== 'function') throw new TypeError(`reference kind ${name} needs an is() function`)
  return Object.freeze({ name, is })
}
