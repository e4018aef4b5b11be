import type { TSchema } from '@sinclair/typebox'
import { PluginError } from '../errors.js'
import { registerFunction } from '../expressions/index.js'
import { satisfies, type Plugin } from '../plugin.js'
import type { Heaplet } from './heaplet.js'

export interface RegisteredType {
  readonly type: string
  readonly heaplet: Heaplet<TSchema, unknown>
  readonly plugin: Plugin
  readonly from: string | undefined
}

/** The IG type names known to a gateway, each registered by exactly one plugin. */
export class TypeRegistry {
  readonly #types = new Map<string, RegisteredType>()
  readonly #plugins: { plugin: Plugin; from: string | undefined }[] = []
  readonly #coreVersion: string

  constructor(coreVersion: string) {
    this.#coreVersion = coreVersion
  }

  /** Registers every type of a plugin, or none: a core mismatch or a name clash is a PluginError. */
  register(plugin: Plugin, from?: string): void {
    if (!satisfies(this.#coreVersion, plugin.core)) {
      throw new PluginError(
        plugin.name,
        `needs @postern/core ${plugin.core}, this gateway has ${this.#coreVersion}`,
        from,
      )
    }
    const types = Object.entries(plugin.types ?? {})
    for (const [type] of types) {
      const existing = this.#types.get(type)
      if (existing && existing.plugin !== plugin) {
        throw new PluginError(
          plugin.name,
          `type ${type} is already registered by ${existing.plugin.name}${existing.from ? ` (${existing.from})` : ''}`,
          from,
        )
      }
    }
    for (const [type, heaplet] of types) this.#types.set(type, { type, heaplet, plugin, from })
    for (const [name, fn] of Object.entries(plugin.functions ?? {})) registerFunction(name, fn)
    this.#plugins.push({ plugin, from })
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

  plugins(): readonly { plugin: Plugin; from: string | undefined }[] {
    return this.#plugins
  }
}
