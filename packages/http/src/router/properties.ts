import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ConfigError, Expression, type Bindings } from '@postern/core'

function evaluateValue(value: unknown, scope: Bindings, source: string, pointer: string): unknown {
  if (typeof value === 'string' && (value.includes('${') || value.includes('#{'))) {
    try {
      return Expression.parse(value).eval(scope)
    } catch (err) {
      throw new ConfigError(source, pointer, (err as Error).message, undefined, { cause: err })
    }
  }
  if (Array.isArray(value))
    return value.map((v, i) => evaluateValue(v, scope, source, `${pointer}/${i}`))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value))
      out[k] = evaluateValue(v, scope, source, `${pointer}/${k}`)
    return out
  }
  return value
}

function readLocation(
  location: unknown,
  scope: Bindings,
  source: string,
  pointer: string,
): Record<string, unknown> {
  const where = String(evaluateValue(location, scope, source, pointer) ?? '')
  const path = where.startsWith('file:') ? fileURLToPath(where) : where
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch (err) {
    throw new ConfigError(
      source,
      pointer,
      `cannot read properties from ${where}: ${(err as Error).message}`,
      undefined,
      { cause: err },
    )
  }
}

/**
 * Route `properties` become expression bindings (`${appLocation}`), on top of the parent's.
 * Values are evaluated in order, so later ones may use earlier ones; `$location` reads a JSON file.
 */
export function evaluateProperties(
  properties: Record<string, unknown>,
  parent: Bindings,
  source: string,
): Bindings {
  const scope: Bindings = Object.create(parent) as Bindings
  for (const [name, value] of Object.entries(properties)) {
    const pointer = `/properties/${name}`
    if (name === '$location') {
      Object.assign(scope, readLocation(value, scope, source, pointer))
    } else if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      '$location' in value
    ) {
      scope[name] = readLocation(
        (value as Record<string, unknown>).$location,
        scope,
        source,
        `${pointer}/$location`,
      )
    } else {
      scope[name] = evaluateValue(value, scope, source, pointer)
    }
  }
  return scope
}
