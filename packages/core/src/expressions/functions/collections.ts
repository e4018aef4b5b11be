import { isMapLike, mapEntries, mapHas } from '../access.js'
import { equals, isNullish, toText } from '../coerce.js'
import { compilePattern } from '../patterns.js'

type Fn = (...args: unknown[]) => unknown

/** The elements of a list-like value (array, Set, bytes, other iterables), never of a map. */
function valuesOf(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v
  if (typeof v !== 'object' || v === null || !(Symbol.iterator in v)) return null
  // Headers and some sessions iterate their entries: they are maps, not lists
  if (isMapLike(v)) return null
  return [...(v as Iterable<unknown>)]
}

export const collectionFunctions: Record<string, Fn> = {
  array: (...strings) => strings.map((s) => (isNullish(s) ? null : toText(s))),
  contains: (object, value) => {
    if (isNullish(object)) return false
    if (typeof object === 'string') return !isNullish(value) && object.includes(toText(value))
    // Differs from IG, which answers false for a map: a map contains its keys
    if (isMapLike(object)) return mapHas(object, value)
    const values = valuesOf(object)
    return values !== null && values.some((x) => equals(x, value))
  },
  length: (object) => {
    if (isNullish(object)) return 0
    if (typeof object === 'string') return object.length
    if (object instanceof Map || object instanceof Set) return object.size
    const entries = mapEntries(object)
    if (entries !== null) return entries.length
    // a list; anything else (a Request, a number) has no length, as in IG
    return valuesOf(object)?.length ?? 0
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
    const entries = mapEntries(map)
    if (entries === null) return null
    let re: RegExp
    try {
      // Differs from OpenIG, which matches whole keys: the pattern is found in the key, so '^be'
      // finds `beta`; '^beta$' matches the whole key
      re = compilePattern(toText(pattern))
    } catch {
      return null
    }
    return entries.find(([key]) => re.test(key))?.[0] ?? null
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
