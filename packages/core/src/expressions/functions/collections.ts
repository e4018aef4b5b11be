import { EL_GET } from '../protocol.js'
import { equals, isNullish, toText } from '../coerce.js'
import { compilePattern, compileWholePattern } from '../patterns.js'

type Fn = (...args: unknown[]) => unknown

function keysOf(map: unknown): string[] {
  if (map instanceof Map) return [...map.keys()].map(toText)
  if (typeof map === 'object' && map !== null) {
    if (EL_GET in map && typeof (map as { keys?: unknown }).keys === 'function') {
      return [...(map as unknown as { keys(): Iterable<unknown> }).keys()].map(toText)
    }
    return Object.keys(map)
  }
  return []
}

function valuesOf(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v
  if (v instanceof Set) return [...v]
  if (typeof v === 'object' && v !== null && Symbol.iterator in v && !(v instanceof Map))
    return [...(v as Iterable<unknown>)]
  return null
}

export const collectionFunctions: Record<string, Fn> = {
  array: (...strings) => strings.map((s) => (isNullish(s) ? null : toText(s))),
  contains: (object, value) => {
    if (isNullish(object)) return false
    if (typeof object === 'string') return !isNullish(value) && object.includes(toText(value))
    const values = valuesOf(object)
    if (values) return values.some((x) => equals(x, value))
    if (object instanceof Map) return object.has(value) || object.has(toText(value))
    return false
  },
  length: (object) => {
    if (isNullish(object)) return 0
    if (typeof object === 'string') return object.length
    if (object instanceof Map || object instanceof Set) return object.size
    const values = valuesOf(object)
    if (values) return values.length
    if (typeof object === 'object') return Object.keys(object).length
    return 0
  },
  join: (values, separator) => {
    const list = valuesOf(values)
    if (list === null) return null
    return list.map(toText).join(isNullish(separator) ? '' : toText(separator))
  },
  split: (s, pattern) => {
    if (isNullish(s) || isNullish(pattern)) return null
    try {
      const parts = toText(s).split(compilePattern(toText(pattern)))
      while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop()
      return parts
    } catch {
      return null
    }
  },
  keyMatch: (map, pattern) => {
    if (isNullish(map) || isNullish(pattern)) return null
    let re: RegExp
    try {
      re = compileWholePattern(toText(pattern))
    } catch {
      return null
    }
    return keysOf(map).find((k) => re.test(k)) ?? null
  },
  toJson: (s) => {
    if (isNullish(s)) return null
    try {
      return JSON.parse(toText(s)) as unknown
    } catch {
      return null
    }
  },
}
