import type { TSchema } from '@sinclair/typebox'
import { PluginError } from '../errors.js'
import {
  BUILTIN_FUNCTIONS,
  type ExpressionFunction,
  type FunctionTable,
} from '../expressions/functions/index.js'
import { satisfies, type Plugin } from '../plugin.js'
import type { Heaplet } from './heaplet.js'

export interface RegisteredType {
  readonly type: string
  readonly heaplet: Heaplet<TSchema, unknown>
  readonly plugin: Plugin
  readonly from: string | undefined
}

interface RegisteredPlugin {
  readonly plugin: Plugin
  readonly from: string | undefined
}

function origin({ plugin, from }: RegisteredPlugin): string {
  return from ? `${plugin.name} (${from})` : plugin.name
}

/**
 * The IG type names and expression functions known to one gateway, each registered by exactly one
 * plugin. Two gateways in one process have two registries: what one registers, the other does not see.
 */
export class TypeRegistry {
  readonly #types = new Map<string, RegisteredType>()
  readonly #functions = new Map<string, ExpressionFunction>(BUILTIN_FUNCTIONS)
  readonly #functionOwners = new Map<string, RegisteredPlugin>()
  readonly #plugins: RegisteredPlugin[] = []
  readonly #coreVersion: string

  constructor(coreVersion: string) {
    this.#coreVersion = coreVersion
  }

  /** The functions expressions parsed for this gateway may call: the built-ins and the plugins'. */
  get functions(): FunctionTable {
    return this.#functions
  }

  /**
   * Registers every type and function of a plugin, or nothing: a core mismatch, a type or a
   * function name clash is a PluginError naming both plugins, and leaves the registry unchanged.
   */
  register(plugin: Plugin, from?: string): void {
    if (this.#plugins.some((p) => p.plugin === plugin)) return
    const fail = (message: string): never => {
      throw new PluginError(plugin.name, message, from)
    }
    if (!satisfies(this.#coreVersion, plugin.core))
      fail(`needs @postern/core ${plugin.core}, this gateway has ${this.#coreVersion}`)
    const other = this.#plugins.find((p) => p.plugin.name === plugin.name)
    if (other) fail(`is already registered (${origin(other)})`)
    const types = Object.entries(plugin.types ?? {})
    for (const [type] of types) {
      const existing = this.#types.get(type)
      if (existing) fail(`type ${type} is already registered by ${origin(existing)}`)
    }
    const functions = Object.entries(plugin.functions ?? {})
    for (const [name] of functions) {
      const owner = this.#functionOwners.get(name)
      if (owner) fail(`function ${name} is already registered by ${origin(owner)}`)
      if (BUILTIN_FUNCTIONS.has(name)) fail(`function ${name} is a built-in function`)
    }
    const registered = { plugin, from }
    for (const [type, heaplet] of types) this.#types.set(type, { type, heaplet, plugin, from })
    for (const [name, fn] of functions) {
      this.#functions.set(name, fn)
      this.#functionOwners.set(name, registered)
    }
    this.#plugins.push(registered)
  }

  /**
   * Checks that every registered plugin's `dependencies` are registered too; the first plugin
   * missing one is a PluginError naming what it needs.
   */
  checkDependencies(): void {
    const names = new Set(this.#plugins.map((p) => p.plugin.name))
    for (const { plugin, from } of this.#plugins) {
      const missing = (plugin.dependencies ?? []).filter((name) => !names.has(name))
      if (missing.length > 0) {
        throw new PluginError(
          plugin.name,
          `needs ${missing.join(', ')}: add ${missing.length > 1 ? 'them' : 'it'} to the gateway's plugins`,
          from,
        )
      }
    }
  }

  /**
   * The registered type for a name. IG also accepts fully qualified Java class names
   * (`org.forgerock.openig.filter.HeaderFilter`): their simple name is looked up.
   */
  get(type: string): RegisteredType | undefined {
    const found = this.#types.get(type)
    if (found || !type.includes('.')) return found
    return this.#types.get(type.slice(type.lastIndexOf('.') + 1))
  }

  has(type: string): boolean {
    return this.get(type) !== undefined
  }

  types(): string[] {
    return [...this.#types.keys()].sort()
  }

  plugins(): readonly RegisteredPlugin[] {
    return this.#plugins
  }
}
