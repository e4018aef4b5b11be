import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { TSchema } from '@sinclair/typebox'
import { X_POSTERN } from './schema.js'

const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: true,
  allowUnionTypes: true,
  coerceTypes: false,
})
ajv.addKeyword({ keyword: X_POSTERN, schemaType: 'object' })
ajv.addKeyword({ keyword: 'expectation' })

const compiled = new WeakMap<object, ValidateFunction>()

/** The compiled validator of a schema, compiled once per schema object. */
export function validatorOf(schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  return validate
}

export interface SchemaProblem {
  /** JSON pointer inside the validated value. */
  pointer: string
  reason: string
  /** An unknown property: IG ignores it, so it is a warning. */
  unknown: boolean
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** Turns ajv's errors into problems with pointers and plain reasons; one per pointer. */
export function problemsOf(errors: readonly ErrorObject[]): SchemaProblem[] {
  const byPointer = new Map<string, SchemaProblem>()
  for (const e of errors) {
    let pointer = e.instancePath
    let reason: string
    let unknown = false
    switch (e.keyword) {
      case 'additionalProperties':
        pointer += `/${escape(String(e.params.additionalProperty))}`
        reason = 'unknown property, ignored'
        unknown = true
        break
      case 'required':
        pointer += `/${escape(String(e.params.missingProperty))}`
        reason = 'is required'
        break
      case 'enum':
        reason = `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`
        break
      case 'type':
        reason = `must be ${String(e.params.type).replaceAll(',', ' or ')}`
        break
      case 'anyOf':
      case 'oneOf':
        reason = 'does not match any allowed form'
        break
      default:
        reason = e.message ?? e.keyword
    }
    // anyOf reports each branch; the summary is enough when branches failed too
    const existing = byPointer.get(pointer)
    if (existing && existing.reason !== 'does not match any allowed form') continue
    byPointer.set(pointer, { pointer, reason, unknown })
  }
  return [...byPointer.values()]
}

/** Removes the property a pointer names (used for unknown properties, which IG ignores). */
export function removeAt(root: unknown, pointer: string): void {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
  const last = parts.pop()
  let node = root as Record<string, unknown> | undefined
  for (const p of parts) node = node?.[p] as Record<string, unknown> | undefined
  if (node && last !== undefined) delete node[last]
}
