import type { TSchema } from '@sinclair/typebox'
import { PluginError } from './errors.js'
import type { GatewayServices } from './gateway-services.js'
import type { Heaplet } from './heap/heaplet.js'

/** The mark `definePlugin` sets; the loader recognizes plugins by it, not by `instanceof`. */
export const PLUGIN_MARK: unique symbol = Symbol.for('postern.plugin') as never

/** A function plugins add to the expression language. */
export type ExpressionFunction = (...args: unknown[]) => unknown

export interface PluginManifest {
  /** The npm package name. */
  name: string
  version: string
  /** The range of @postern/core versions this plugin was written against, e.g. `^1.0.0`. */
  core: string
  /** IG type names (and aliases) to heaplets. */
  types?: Record<string, Heaplet<TSchema, unknown>>
  /** Expression functions, by name. */
  functions?: Record<string, ExpressionFunction>
  /**
   * Runs when a gateway using the plugin starts, after its heaps are built and before it listens:
   * mount admin endpoints, subscribe to diagnostics channels, register onStop work.
   */
  setup?: (gateway: GatewayServices) => void | Promise<void>
}

export interface Plugin extends Readonly<PluginManifest> {
  readonly [PLUGIN_MARK]: true
}

/**
 * Declares a plugin: the IG types it registers, by name.
 *
 * @example
 * export default definePlugin({ name: pkg.name, version: pkg.version, core: '^1.0.0', types: { HeaderFilter: headerFilter } })
 */
export function definePlugin(manifest: PluginManifest): Plugin {
  if (typeof manifest !== 'object' || manifest === null) {
    throw new TypeError('definePlugin expects a manifest object')
  }
  const { name, version, core, types = {}, functions = {}, setup } = manifest
  if (typeof name !== 'string' || name === '') throw new TypeError('plugin name must be a string')
  if (typeof version !== 'string') throw new PluginError(name, 'version must be a string')
  if (typeof core !== 'string') throw new PluginError(name, 'core must be a semver range string')
  for (const [type, heaplet] of Object.entries(types)) {
    if (typeof heaplet?.create !== 'function' || typeof heaplet.schema !== 'object') {
      throw new PluginError(name, `type ${type} must be a heaplet ({ schema, create })`)
    }
  }
  for (const [fn, impl] of Object.entries(functions)) {
    if (typeof impl !== 'function') throw new PluginError(name, `function ${fn} must be a function`)
  }
  if (setup !== undefined && typeof setup !== 'function')
    throw new PluginError(name, 'setup must be a function')
  return Object.freeze({
    name,
    version,
    core,
    types,
    functions,
    ...(setup ? { setup } : {}),
    [PLUGIN_MARK]: true as const,
  })
}

export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && (value as Plugin)[PLUGIN_MARK] === true
}

/** Whether `version` satisfies a caret, tilde, exact, `>=`, `x` or `*` range (`||` alternatives). */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version)
  if (!v) return false
  return range.split('||').some((alt) =>
    alt
      .trim()
      .split(/\s+/)
      .every((part) => satisfiesOne(v, part)),
  )
}

function parseVersion(text: string): [number, number, number] | null {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/.exec(text.trim())
  if (!m) return null
  const n = (s: string | undefined): number =>
    s === undefined || s === 'x' || s === '*' ? -1 : Number(s)
  return [Number(m[1]), n(m[2]), n(m[3])]
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! - b[i]!
  return 0
}

function satisfiesOne(v: [number, number, number], part: string): boolean {
  if (part === '' || part === '*' || part === 'x') return true
  const m = /^(\^|~|>=|<=|>|<|=)?(.*)$/.exec(part)!
  const op = m[1] ?? ''
  const r = parseVersion(m[2]!)
  if (!r) return false
  const [maj, min, pat] = r
  const lo: [number, number, number] = [maj, Math.max(min, 0), Math.max(pat, 0)]
  switch (op) {
    case '^':
      if (compare(v, lo) < 0) return false
      if (maj > 0) return v[0] === maj
      if (min > 0 || min === -1) return v[0] === 0 && (min === -1 || v[1] === min)
      return v[0] === 0 && v[1] === 0 && (pat === -1 || v[2] === pat)
    case '~':
      return compare(v, lo) >= 0 && v[0] === maj && (min === -1 || v[1] === min)
    case '>=':
      return compare(v, lo) >= 0
    case '>':
      return compare(v, lo) > 0
    case '<=':
      return compare(v, lo) <= 0
    case '<':
      return compare(v, lo) < 0
    default:
      return v[0] === maj && (min === -1 || v[1] === min) && (pat === -1 || v[2] === pat)
  }
}
