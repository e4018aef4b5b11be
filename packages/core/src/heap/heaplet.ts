import type { Static, TSchema } from '@sinclair/typebox'
import type { Bindings, InstanceInfo } from '../bindings.js'
import type { ConfigError } from '../errors.js'
import type { FunctionTable } from '../expressions/index.js'
import type { Logger } from '../logger.js'
import type { Heap, HeapOptions } from './heap.js'
import type { ReferenceKind } from './reference-kind.js'

/** What a heaplet may do with the heap its object is declared in. */
export interface HeapView {
  /** The object with this name, made on first use; checked against `kind` when given. */
  get<T = unknown>(name: string, kind?: ReferenceKind<T>): Promise<T>
  /** Whether this heap or an ancestor declares or holds the name. */
  has(name: string): boolean
  /** Resolves a reference (a name or an inline declaration) found at `pointer` in the file. */
  resolve<T = unknown>(ref: unknown, pointer: string, kind?: ReferenceKind<T>): Promise<T>
  /** A heap below this one, for objects that load configurations of their own (a Router's routes). */
  child(options: Omit<HeapOptions, 'registry' | 'parent'>): Heap
}

/** What a heaplet gets besides its validated config. */
export interface HeapletEnv {
  /** The object's name: declared, or made from its JSON pointer for an inline declaration. */
  readonly name: string
  readonly type: string
  readonly heap: HeapView
  /** A child of the route's logger, bound to this object's name and type. */
  readonly logger: Logger
  /** Instance-relative file the object was declared in, and the pointer of its declaration. */
  readonly source: string
  readonly pointer: string
  /** system, env, openig and route properties: for configuration expressions evaluated later. */
  readonly bindings: Bindings
  /** The functions expressions parsed by this object may call: `Expression.parse(t, { functions })`. */
  readonly functions: FunctionTable
  /** The clock, in milliseconds since the epoch: tests inject one; sessions and caches read it. */
  readonly now: () => number
  readonly instance: InstanceInfo | undefined
  /** Resolves a reference (name or inline declaration) found while creating, e.g. inside a list. */
  resolve<T = unknown>(ref: unknown, pointer: string, kind?: ReferenceKind<T>): Promise<T>
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
  /** One-line description of the type, from the reference. */
  readonly description?: string
}

/** Declares a heaplet with its types inferred from the schema. */
export function heaplet<S extends TSchema, T>(definition: Heaplet<S, T>): Heaplet<S, T> {
  return definition
}
