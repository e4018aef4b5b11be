import type { Static, TSchema } from '@sinclair/typebox'
import type { Bindings, InstanceInfo } from '../bindings.js'
import type { ConfigError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Heap } from './heap.js'

/** What a heaplet gets besides its validated config. */
export interface HeapletEnv {
  /** The object's name: declared, or made from its JSON pointer for an inline declaration. */
  readonly name: string
  readonly type: string
  readonly heap: Heap
  /** A child of the route's logger, bound to this object's name and type. */
  readonly logger: Logger
  /** Instance-relative file the object was declared in, and the pointer of its declaration. */
  readonly source: string
  readonly pointer: string
  /** system, env, openig and route properties: for configuration expressions evaluated later. */
  readonly bindings: Bindings
  readonly instance: InstanceInfo | undefined
  /** Resolves a reference (name or inline declaration) found while creating, e.g. inside a list. */
  resolve<T>(ref: unknown, pointer: string, kind?: string): Promise<T>
  /** Runs when the heap is destroyed (route removed, gateway stopped), in reverse creation order. */
  onDestroy(release: () => void | Promise<void>): void
  /**
   * A ConfigError for a property of this object's config: `pointer` is relative to the config
   * (`/rate`, `/policies/0/acceptedOrigins`); file, object name and type are filled in.
   */
  configError(pointer: string, reason: string, options?: ErrorOptions): ConfigError
}

/** Makes a heap object of one IG type from its config. */
export interface Heaplet<S extends TSchema = TSchema, T = unknown> {
  /** JSON Schema of `config`, built with core's TypeBox helpers (Expr, Ref, Duration...). */
  readonly schema: S
  /** Builds the object; may be async (reading a keystore). Throw a ConfigError for bad config. */
  create(config: Static<S>, env: HeapletEnv): T | Promise<T>
  /** Releases what the object holds (pools, timers, watchers). */
  destroy?(object: T): void | Promise<void>
  /** One-line description (shown by `?_api` and the CLI). */
  readonly description?: string
}

/** Declares a heaplet with its types inferred from the schema. */
export function heaplet<S extends TSchema, T>(definition: Heaplet<S, T>): Heaplet<S, T> {
  return definition
}
