import { ContextsView } from '../context/context.js'
import { Headers } from '../messages/headers.js'
import { compilePattern, compileWholePattern, javaReplacement } from './patterns.js'
import { EL_GET, EL_SET, isElReadable, isElWritable } from './protocol.js'
import { equals, isEmpty, isNullish, toText } from './coerce.js'

const FORBIDDEN = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
])

function indexOf(key: unknown): number | undefined {
  if (typeof key === 'number' && Number.isInteger(key)) return key
  if (typeof key === 'string' && /^-?\d+$/.test(key)) return Number(key)
  return undefined
}

/**
 * `base.key` and `base[key]`: EL_GET objects answer themselves, maps by key, lists by index,
 * objects by own or inherited (getter) property. A missing property is undefined, never an error.
 */
export function getProperty(base: unknown, key: unknown): unknown {
  if (isNullish(base) || isNullish(key)) return undefined
  if (typeof base === 'object' && EL_GET in base) {
    return (base as { [EL_GET](k: string | number): unknown })[EL_GET](
      typeof key === 'number' ? key : toText(key),
    )
  }
  if (Array.isArray(base) || ArrayBuffer.isView(base)) {
    const i = indexOf(key)
    return i === undefined ? undefined : (base as ArrayLike<unknown>)[i]
  }
  if (base instanceof Map) return base.has(key) ? base.get(key) : base.get(toText(key))
  if (typeof base !== 'object' && typeof base !== 'function') return undefined
  const name = toText(key)
  if (FORBIDDEN.has(name)) return undefined
  if (!(name in (base as object))) return undefined
  const value = (base as Record<string, unknown>)[name]
  return typeof value === 'function' ? undefined : value
}

/** `base.key = value` for l-values; read-only targets are ignored, as IG ignores them. */
export function setProperty(base: unknown, key: unknown, value: unknown): boolean {
  if (isNullish(base) || isNullish(key)) return false
  if (typeof base === 'object' && EL_SET in base) {
    ;(base as { [EL_SET](k: string | number, v: unknown): void })[EL_SET](
      typeof key === 'number' ? key : toText(key),
      value,
    )
    return true
  }
  if (Array.isArray(base)) {
    const i = indexOf(key)
    if (i === undefined) return false
    base[i] = value
    return true
  }
  if (base instanceof Map) {
    base.set(toText(key), value)
    return true
  }
  if (typeof base !== 'object') return false
  const name = toText(key)
  if (FORBIDDEN.has(name) || Object.isFrozen(base)) return false
  try {
    ;(base as Record<string, unknown>)[name] = value
    return true
  } catch {
    return false // a getter without setter
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  // process.env (the `env` binding) has a prototype of its own
  return proto === null || proto === Object.prototype || value === process.env
}

/**
 * Whether a value is a map as IG's `java.util.Map`s are to expressions: a Map (Form,
 * RequestCookies, sessions), Headers, `contexts`, another session (`keys()` and EL access), a plain
 * object (`attributes`, JSON, `env`). A string, a list, a Request or an Entity is not.
 */
export function isMapLike(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false
  if (value instanceof Map || value instanceof Headers || value instanceof ContextsView) return true
  if (isElReadable(value)) return typeof (value as { keys?: unknown }).keys === 'function'
  return isPlainObject(value)
}

/**
 * The entries of a map-like value, keys as text: header names as first written, context names
 * nearest first. Null when the value is not map-like.
 */
export function mapEntries(value: unknown): [string, unknown][] | null {
  if (!isMapLike(value)) return null
  if (value instanceof Map) return [...value].map(([k, v]: [unknown, unknown]) => [toText(k), v])
  if (value instanceof Headers) return [...value]
  if (value instanceof ContextsView)
    return Object.keys(value.toJSON()).map((name) => [name, value[EL_GET](name)])
  if (isElReadable(value)) {
    const keys = (value as unknown as { keys(): Iterable<unknown> }).keys()
    return [...keys].map((k) => [toText(k), value[EL_GET](toText(k))])
  }
  return Object.entries(value)
}

/** IG's `empty` operator: null, "", an empty list, or a map-like value (see isMapLike) with no keys. */
export function isEmptyValue(value: unknown): boolean {
  if (isEmpty(value)) return true
  return isMapLike(value) && mapEntries(value)!.length === 0
}

/** Whether a map-like value (see mapEntries) has the key: header names in any case. */
export function mapHas(map: object, key: unknown): boolean {
  if (map instanceof Map) return map.has(key) || map.has(toText(key))
  if (map instanceof Headers) return map.has(toText(key))
  const name = toText(key)
  return (mapEntries(map) ?? []).some(([k]) => k === name)
}

function entriesOf(base: object): [string, unknown][] {
  return mapEntries(base) ?? Object.entries(base)
}

function stringMethod(s: string, name: string, args: unknown[]): unknown {
  const a = args.map((x) => (isNullish(x) ? x : x))
  const str = (i: number): string => toText(a[i])
  switch (name) {
    case 'startsWith':
      return s.startsWith(str(0), a[1] === undefined ? 0 : Number(a[1]))
    case 'endsWith':
      return s.endsWith(str(0))
    case 'contains':
      return s.includes(str(0))
    case 'equals':
      return typeof a[0] === 'string' && s === a[0]
    case 'equalsIgnoreCase':
      return typeof a[0] === 'string' && s.toLowerCase() === a[0].toLowerCase()
    case 'length':
      return s.length
    case 'isEmpty':
      return s.length === 0
    case 'isBlank':
      return s.trim().length === 0
    case 'substring':
      return a.length > 1 ? s.substring(Number(a[0]), Number(a[1])) : s.substring(Number(a[0]))
    case 'indexOf':
      return s.indexOf(str(0), a[1] === undefined ? 0 : Number(a[1]))
    case 'lastIndexOf':
      return s.lastIndexOf(str(0))
    case 'toUpperCase':
      return s.toUpperCase()
    case 'toLowerCase':
      return s.toLowerCase()
    case 'trim':
    case 'strip':
      return s.trim()
    case 'concat':
      return s + str(0)
    case 'charAt':
      return s.charAt(Number(a[0]))
    case 'replace':
      return s.replaceAll(str(0), str(1))
    case 'replaceAll':
      return s.replace(compilePattern(str(0), 'g'), javaReplacement(str(1)))
    case 'replaceFirst':
      return s.replace(compilePattern(str(0)), javaReplacement(str(1)))
    case 'matches':
      return compileWholePattern(str(0)).test(s)
    case 'split': {
      const parts = s.split(compilePattern(str(0)))
      while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop() // Java drops trailing empty strings
      return parts
    }
    case 'compareTo':
      return s < str(0) ? -1 : s > str(0) ? 1 : 0
    case 'repeat':
      return s.repeat(Number(a[0]))
    case 'toString':
    case 'intern':
      return s
    case 'hashCode': {
      let h = 0
      for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
      return h
    }
    default:
      return undefined
  }
}

function listMethod(list: readonly unknown[], name: string, args: unknown[]): unknown {
  switch (name) {
    case 'size':
    case 'length':
      return list.length
    case 'get':
      return list[Number(args[0])]
    case 'contains':
      return list.some((x) => equals(x, args[0]))
    case 'isEmpty':
      return list.length === 0
    case 'indexOf':
      return list.findIndex((x) => equals(x, args[0]))
    case 'toString':
      return `[${list.map(toText).join(', ')}]`
    case 'join':
      return list.map(toText).join(toText(args[0] ?? ','))
    default:
      return undefined
  }
}

function mapMethod(base: object, name: string, args: unknown[]): unknown {
  const key = toText(args[0])
  switch (name) {
    case 'get':
      return getProperty(base, args[0])
    case 'getOrDefault': {
      const v = getProperty(base, args[0])
      return v === undefined ? args[1] : v
    }
    case 'containsKey':
      return isMapLike(base) ? mapHas(base, args[0]) : entriesOf(base).some(([k]) => k === key)
    case 'containsValue':
      return entriesOf(base).some(([, v]) => equals(v, args[0]))
    case 'keySet':
      return entriesOf(base).map(([k]) => k)
    case 'values':
      return entriesOf(base).map(([, v]) => v)
    case 'size':
      return entriesOf(base).length
    case 'isEmpty':
      return entriesOf(base).length === 0
    case 'put':
      setProperty(base, key, args[1])
      return null
    case 'remove': {
      const v = getProperty(base, key)
      if (base instanceof Map) base.delete(key)
      else if (isElWritable(base))
        base[EL_SET](key, null) // headers, sessions: null removes
      else delete (base as Record<string, unknown>)[key]
      return v
    }
    default:
      return undefined
  }
}

/**
 * `base.name(args)`: the Java methods IG examples use, mapped onto JavaScript values, then any
 * same-named method of the object. An unknown method yields undefined (null in IG).
 */
export function callMethod(base: unknown, name: string, args: unknown[]): unknown {
  if (isNullish(base) || FORBIDDEN.has(name) || name.startsWith('_')) return undefined
  if (typeof base === 'string') return stringMethod(base, name, args)
  if (typeof base === 'number') {
    if (name === 'toString') return String(base)
    if (name === 'intValue' || name === 'longValue') return Math.trunc(base)
    if (name === 'doubleValue' || name === 'floatValue') return base
    if (name === 'equals') return equals(base, args[0])
    if (name === 'compareTo') return Math.sign(base - Number(args[0]))
    return undefined
  }
  if (typeof base === 'boolean')
    return name === 'toString' ? String(base) : name === 'booleanValue' ? base : undefined
  const own = (base as Record<string, unknown>)[name]
  if (
    typeof own === 'function' &&
    !(Array.isArray(base) && name in Array.prototype) &&
    !(base instanceof Map && name in Map.prototype)
  ) {
    if (!(name in Object.prototype) || name === 'toString')
      return (own as (...a: unknown[]) => unknown).apply(base, args)
  }
  if (Array.isArray(base)) return listMethod(base, name, args)
  if (base instanceof Set) return listMethod([...base], name, args)
  if (typeof base === 'object') return mapMethod(base, name, args)
  return undefined
}
