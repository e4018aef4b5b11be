import type { TSchema } from '@sinclair/typebox'
import semver from 'semver'
import type { ExpressionFunction } from './expressions/functions/index.js'
import type { GatewayServices } from './gateway-services.js'
import type { Heaplet } from './heap/heaplet.js'

/** The mark `definePlugin` sets; the loader recognizes plugins by it, not by `instanceof`. */
export const PLUGIN_MARK: unique symbol = Symbol.for('postern.plugin') as never

export type { ExpressionFunction }

export interface PluginManifest {
  /** The npm package name. */
  name: string
  version: string
  /** The range of @postern/core versions this plugin was written against, e.g. `^1.0.0`. */
  core: string
  /** IG type names (and aliases) to heaplets. */
  types?: Record<string, Heaplet<TSchema, unknown>>
  /** Expression functions, by name, available to the expressions of a gateway using the plugin. */
  functions?: Record<string, ExpressionFunction>
  /**
   * Names of the plugins this one needs in the same gateway (`['@postern/audit']`): a gateway
   * without them refuses to start with a PluginError naming the missing one.
   */
  dependencies?: readonly string[]
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
  const { name, version, core, types = {}, functions = {}, dependencies = [], setup } = manifest
  if (typeof name !== 'string' || name === '') throw new TypeError('plugin name must be a string')
  const fail = (message: string): never => {
    throw new TypeError(`plugin ${name}: ${message}`)
  }
  if (typeof version !== 'string' || version === '') fail('version must be a string')
  if (typeof core !== 'string' || semver.validRange(core) === null)
    fail('core must be a semver range')
  if (typeof types !== 'object' || types === null) fail('types must be an object')
  for (const [type, heaplet] of Object.entries(types)) {
    if (typeof heaplet?.create !== 'function' || typeof heaplet.schema !== 'object') {
      fail(`type ${type} must be a heaplet ({ schema, create })`)
    }
  }
  if (typeof functions !== 'object' || functions === null) fail('functions must be an object')
  for (const [fn, impl] of Object.entries(functions)) {
    if (typeof impl !== 'function') fail(`function ${fn} must be a function`)
  }
  if (!Array.isArray(dependencies) || dependencies.some((d) => typeof d !== 'string' || d === ''))
    fail('dependencies must be an array of plugin names')
  if (setup !== undefined && typeof setup !== 'function') fail('setup must be a function')
  return deepFreeze({
    name,
    version,
    core,
    types: { ...types },
    functions: { ...functions },
    dependencies: [...dependencies],
    ...(setup ? { setup } : {}),
    [PLUGIN_MARK]: true as const,
  })
}

// Freezes the manifest and what it holds (heaplets and their schemas), not the functions' internals.
function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value
  seen.add(value)
  for (const key of Reflect.ownKeys(value)) {
    const child = (value as Record<PropertyKey, unknown>)[key]
    if (typeof child === 'object' && child !== null) deepFreeze(child, seen)
  }
  return Object.freeze(value)
}

export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && (value as Plugin)[PLUGIN_MARK] === true
}

/** Whether `version` satisfies a semver range (prereleases only where the range names one). */
export function satisfies(version: string, range: string): boolean {
  return semver.satisfies(version, range)
}
