import type { Static, TSchema } from '@sinclair/typebox'
import type { Bindings, InstanceInfo } from '../bindings.js'
import { ConfigError, ConfigErrors } from '../errors.js'
import type { FunctionTable } from '../expressions/index.js'
import { silentLogger, type Logger } from '../logger.js'
import type { TokenResolver } from '../tokens/index.js'
import { convertConfig } from './convert.js'
import { isDecorator, RESERVED_ATTRIBUTES, type DecorationContext } from './decorator.js'
import type { HeapletEnv, HeapView } from './heaplet.js'
import type { ReferenceKind } from './reference-kind.js'
import type { TypeRegistry } from './registry.js'
import { problemsOf, removeAt, validatorOf } from './validate.js'

interface Declaration {
  readonly name: string
  readonly type: string
  readonly config: unknown
  readonly decorations: Readonly<Record<string, unknown>>
  readonly source: string
  readonly pointer: string
  /** Default objects are made only when something refers to them. */
  readonly lazy: boolean
}

export interface HeapOptions {
  registry: TypeRegistry
  parent?: Heap
  /** Instance-relative file this heap's declarations come from (config/routes/10-api.json). */
  source: string
  logger?: Logger
  /** Static bindings of configuration expressions; a child heap inherits its parent's by default. */
  bindings?: Bindings
  instance?: InstanceInfo
  /** The clock of heap objects (milliseconds since the epoch); a child heap inherits it. */
  now?: () => number
  /** Configuration tokens of this level (`&{name}`), for documents below it; inherited likewise. */
  tokens?: TokenResolver
}

/** Where a reference is resolved from, and the declarations being created on the way there. */
interface From {
  readonly source: string
  readonly pointer: string
  /** The declarations whose creation led here: a cycle if one recurs. */
  readonly chain: readonly Declaration[]
}

function isDeclaration(value: unknown): value is Record<string, unknown> & { type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === 'string'
  )
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * Named objects of one configuration level (admin.json, config.json, a route), made by heaplets
 * from their declarations, on first reference, and destroyed in reverse order. A name not found
 * here is looked up in the parent heap.
 */
export class Heap {
  readonly registry: TypeRegistry
  readonly parent: Heap | undefined
  readonly source: string
  readonly logger: Logger
  readonly bindings: Bindings
  readonly instance: InstanceInfo | undefined
  readonly now: () => number
  readonly tokens: TokenResolver | undefined
  readonly #declarations = new Map<string, Declaration>()
  readonly #objects = new Map<string, Promise<unknown>>()
  // Objects from ancestor heaps, with this heap's global decorations applied.
  readonly #inherited = new Map<string, Promise<unknown>>()
  readonly #releases: (() => void | Promise<void>)[] = []
  #globalDecorators: Record<string, unknown> = {}
  #globalSource = { source: '', pointer: '/globalDecorators' }
  #inlineCount = 0
  #destroyed = false

  constructor(options: HeapOptions) {
    this.registry = options.registry
    this.parent = options.parent
    this.source = options.source
    this.logger = options.logger ?? options.parent?.logger ?? silentLogger
    this.bindings = options.bindings ?? options.parent?.bindings ?? Object.create(null)
    this.instance = options.instance ?? options.parent?.instance
    this.now = options.now ?? options.parent?.now ?? Date.now
    this.tokens = options.tokens ?? options.parent?.tokens
  }

  /** The functions expressions built in this heap may call (the gateway's registry). */
  get functions(): FunctionTable {
    return this.registry.functions
  }

  /** A heap below this one (a route's heap below config.json's). */
  child(options: Omit<HeapOptions, 'registry' | 'parent'>): Heap {
    return new Heap({ ...options, registry: this.registry, parent: this })
  }

  /**
   * Declares the objects of a `heap` array. Checks every declaration's shape and names at once;
   * throws ConfigErrors listing all problems.
   */
  declare(
    heap: unknown,
    pointer = '/heap',
    options: { lazy?: boolean; source?: string } = {},
  ): void {
    const source = options.source ?? this.source
    if (heap === undefined || heap === null) return
    if (!Array.isArray(heap))
      throw new ConfigErrors([new ConfigError(source, pointer, 'must be an array of heap objects')])
    const errors: ConfigError[] = []
    heap.forEach((entry: unknown, i) => {
      const at = `${pointer}/${i}`
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        errors.push(new ConfigError(source, at, 'must be an object with name, type and config'))
        return
      }
      const { name, type } = entry as Record<string, unknown>
      if (typeof name !== 'string' || name === '') {
        errors.push(new ConfigError(source, `${at}/name`, 'is required and must be a string'))
        return
      }
      if (typeof type !== 'string' || type === '') {
        errors.push(
          new ConfigError(source, `${at}/type`, 'is required and must be a string', {
            name,
            type: '?',
          }),
        )
        return
      }
      const existing = this.#declarations.get(name)
      if (existing && !existing.lazy) {
        errors.push(
          new ConfigError(
            source,
            `${at}/name`,
            `duplicate heap object name, also declared at ${existing.pointer}`,
            { name, type },
          ),
        )
        return
      }
      // A default object of a type no plugin registers is only an error when something uses it.
      if (!options.lazy && !this.registry.has(type)) {
        errors.push(
          new ConfigError(source, `${at}/type`, `unknown type ${type}: no plugin registers it`, {
            name,
            type,
          }),
        )
        return
      }
      this.#declarations.set(
        name,
        this.#declaration(
          entry as Record<string, unknown> & { type: string },
          name,
          source,
          at,
          options.lazy ?? false,
        ),
      )
    })
    if (errors.length > 0) throw new ConfigErrors(errors)
  }

  /** Puts a ready-made object under a name (objects the gateway provides). */
  put(name: string, object: unknown): void {
    this.#objects.set(name, Promise.resolve(object))
  }

  /** This heap's `globalDecorators`: every object made or used here is decorated with them. */
  setGlobalDecorators(
    decorators: unknown,
    source = this.source,
    pointer = '/globalDecorators',
  ): void {
    if (decorators === undefined || decorators === null) return
    if (typeof decorators !== 'object' || Array.isArray(decorators)) {
      throw new ConfigError(source, pointer, 'must be a map of decorator names to configurations')
    }
    this.#globalDecorators = { ...(decorators as Record<string, unknown>) }
    this.#globalSource = { source, pointer }
  }

  /** Whether this heap or an ancestor declares or holds the name. */
  has(name: string): boolean {
    return (
      this.#declarations.has(name) || this.#objects.has(name) || (this.parent?.has(name) ?? false)
    )
  }

  /** Declared names, this heap only. */
  names(): string[] {
    return [...new Set([...this.#declarations.keys(), ...this.#objects.keys()])]
  }

  /** The object with this name, made on first use, from this heap or an ancestor. */
  async get<T = unknown>(
    name: string,
    kind?: ReferenceKind<T>,
    from: { source: string; pointer: string } = { source: this.source, pointer: '' },
  ): Promise<T> {
    return this.#get(name, kind, { ...from, chain: [] })
  }

  async #get<T>(name: string, kind: ReferenceKind<T> | undefined, from: From): Promise<T> {
    const object = await this.#lookup(name, from)
    if (object === undefined) {
      throw new ConfigError(from.source, from.pointer, `no heap object named "${name}"`)
    }
    return this.#checkKind(object, kind, from.source, from.pointer, name)
  }

  /**
   * Resolves a reference: a heap object name (possibly from a configuration expression, already
   * evaluated) or an inline declaration `{ "type": ..., "config": ... }`.
   */
  async resolve<T = unknown>(
    ref: unknown,
    pointer: string,
    kind?: ReferenceKind<T>,
    source = this.source,
  ): Promise<T> {
    return this.#resolve(ref, kind, { source, pointer, chain: [] })
  }

  async #resolve<T>(ref: unknown, kind: ReferenceKind<T> | undefined, from: From): Promise<T> {
    const { source, pointer } = from
    if (typeof ref === 'string') return this.#get<T>(ref, kind, from)
    if (isDeclaration(ref)) {
      const name =
        typeof ref.name === 'string' && ref.name !== '' ? ref.name : `{${ref.type}}${pointer}`
      if (!this.registry.has(ref.type)) {
        throw new ConfigError(
          source,
          `${pointer}/type`,
          `unknown type ${ref.type}: no plugin registers it`,
          { name, type: ref.type },
        )
      }
      const decl = this.#declaration(ref, name, source, pointer, false)
      this.#inlineCount++
      const object = await this.#create(decl, from.chain)
      return this.#checkKind(object, kind, source, pointer, name)
    }
    throw new ConfigError(
      source,
      pointer,
      'must be a heap object name or an inline declaration with a type',
    )
  }

  /** Makes every declared object that is not a lazy default, reporting all failures at once. */
  async createAll(): Promise<void> {
    const errors: ConfigError[] = []
    for (const decl of this.#declarations.values()) {
      if (decl.lazy) continue
      try {
        await this.#get(decl.name, undefined, {
          source: decl.source,
          pointer: decl.pointer,
          chain: [],
        })
      } catch (err) {
        collect(err, errors)
      }
    }
    if (errors.length > 0) throw new ConfigErrors(dedupe(errors))
  }

  /**
   * Applies decorations (`{ "capture": "all", "timer": true }`) to an object: each key names a
   * decorator heap object. Used for declarations and for a route's handler.
   */
  async decorate(
    object: unknown,
    decorations: Readonly<Record<string, unknown>>,
    at: Omit<DecorationContext, 'heap' | 'logger'>,
    chain: readonly Declaration[] = [],
  ): Promise<unknown> {
    let decorated = object
    for (const [decoratorName, config] of Object.entries(decorations)) {
      const pointer = `${at.pointer}/${escapePointer(decoratorName)}`
      const decorator = await this.#lookup(decoratorName, { source: at.source, pointer, chain })
      if (decorator === undefined) {
        throw new ConfigError(at.source, pointer, `no decorator named "${decoratorName}"`, {
          name: at.name,
          type: at.type,
        })
      }
      if (!isDecorator(decorator)) {
        throw new ConfigError(
          at.source,
          pointer,
          `heap object "${decoratorName}" is not a decorator`,
          { name: at.name, type: at.type },
        )
      }
      decorated = await decorator.decorate(decorated, config, {
        ...at,
        pointer,
        heap: this,
        logger: this.logger.child({ object: at.name, type: at.type }),
      })
    }
    return decorated
  }

  /** Releases every object made here, in reverse order of creation. Errors are logged. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return
    this.#destroyed = true
    for (const release of this.#releases.reverse()) {
      try {
        await release()
      } catch (err) {
        this.logger.warn({ err, source: this.source }, 'heap object release failed')
      }
    }
    this.#releases.length = 0
  }

  #declaration(
    entry: Record<string, unknown> & { type: string },
    name: string,
    source: string,
    pointer: string,
    lazy: boolean,
  ): Declaration {
    const decorations: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(entry))
      if (!RESERVED_ATTRIBUTES.has(key)) decorations[key] = value
    return {
      name,
      type: entry.type,
      config: entry.config ?? {},
      decorations,
      source,
      pointer,
      lazy,
    }
  }

  // Finds a name here (made on first use) or in an ancestor (then decorated with our global decorations).
  #lookup(name: string, from: From): Promise<unknown> {
    const decl = this.#declarations.get(name)
    if (decl && from.chain.includes(decl)) {
      // the object is being made and, through its own config, needs itself: it would wait forever
      return Promise.reject(circular(decl, from.chain))
    }
    let found = this.#objects.get(name)
    if (found) return found
    if (decl) {
      if (decl.lazy && !this.registry.has(decl.type)) {
        return Promise.reject(
          new ConfigError(
            from.source,
            from.pointer,
            `unknown type ${decl.type}: no plugin registers it (needed by the default heap object "${name}")`,
          ),
        )
      }
      found = this.#create(decl, from.chain)
      this.#objects.set(name, found)
      found.catch(() => this.#objects.delete(name)) // a failed object is retried, and re-reported
      return found
    }
    if (!this.parent) return Promise.resolve(undefined)
    found = this.#inherited.get(name)
    if (found) return found
    found = this.parent.#lookup(name, from).then(async (object) => {
      if (
        object === undefined ||
        isDecorator(object) ||
        Object.keys(this.#globalDecorators).length === 0
      )
        return object
      return this.decorate(
        object,
        this.#globalDecorators,
        {
          name,
          type: typeName(object),
          source: this.#globalSource.source,
          pointer: this.#globalSource.pointer,
        },
        from.chain,
      )
    })
    this.#inherited.set(name, found)
    found.catch(() => this.#inherited.delete(name))
    return found
  }

  async #create(decl: Declaration, outer: readonly Declaration[]): Promise<unknown> {
    const object = { name: decl.name, type: decl.type }
    if (outer.includes(decl)) throw circular(decl, outer)
    const chain = [...outer, decl]
    {
      const registered = this.registry.get(decl.type)!
      const heaplet = registered.heaplet
      const configPointer = `${decl.pointer}/config`
      const logger = this.logger.child({ object: decl.name, type: decl.type })
      const releases: (() => void | Promise<void>)[] = []
      const resolve = <T>(ref: unknown, pointer: string, kind?: ReferenceKind<T>): Promise<T> =>
        this.#resolve(ref, kind, { source: decl.source, pointer, chain })
      const heap: HeapView = {
        get: <T>(name: string, kind?: ReferenceKind<T>) =>
          this.#get(name, kind, { source: decl.source, pointer: configPointer, chain }),
        has: (name) => this.has(name),
        resolve,
        child: (options) => this.child(options),
      }
      const env: HeapletEnv = {
        name: decl.name,
        type: decl.type,
        heap,
        logger,
        source: decl.source,
        pointer: decl.pointer,
        bindings: this.bindings,
        functions: this.registry.functions,
        now: this.now,
        instance: this.instance,
        resolve,
        onDestroy: (release) => void releases.push(release),
        configError: (pointer, reason, options) =>
          new ConfigError(decl.source, `${configPointer}${pointer}`, reason, object, options),
      }
      const config = await this.#buildConfig(
        heaplet.schema,
        decl.config,
        { name: decl.name, type: decl.type },
        decl.source,
        configPointer,
        resolve,
      )
      let created: unknown
      try {
        created = await heaplet.create(config as never, env)
      } catch (err) {
        if (err instanceof ConfigError || err instanceof ConfigErrors) throw err
        throw new ConfigError(
          decl.source,
          configPointer,
          (err as Error)?.message ?? String(err),
          object,
          { cause: err },
        )
      }
      if (heaplet.destroy) releases.push(() => heaplet.destroy!(created))
      this.#releases.push(...releases)
      // Decorators themselves are not decorated (OpenIG: heap decorators are not decoratable).
      if (isDecorator(created)) return created
      let decorated = created
      if (Object.keys(decl.decorations).length > 0) {
        decorated = await this.decorate(
          decorated,
          decl.decorations,
          { name: decl.name, type: decl.type, source: decl.source, pointer: decl.pointer },
          chain,
        )
      }
      for (let heap: Heap | undefined = this; heap; heap = heap.parent) {
        if (Object.keys(heap.#globalDecorators).length === 0) continue
        decorated = await heap.decorate(
          decorated,
          heap.#globalDecorators,
          {
            name: decl.name,
            type: decl.type,
            source: heap.#globalSource.source,
            pointer: heap.#globalSource.pointer,
          },
          chain,
        )
      }
      return decorated
    }
  }

  /**
   * Reads a configuration that is not a heap object (a section of admin.json) by the rules of
   * heap object configs: configuration expressions, schema defaults and checks, durations and
   * references; every problem is a ConfigError naming `source` and a pointer under `pointer`.
   */
  async configure<S extends TSchema>(
    schema: S,
    config: unknown,
    source: string,
    pointer: string,
  ): Promise<Static<S>> {
    return (await this.#buildConfig(
      schema,
      config ?? {},
      undefined,
      source,
      pointer,
      (ref, at, kind) => this.resolve(ref, at, kind, source),
    )) as Static<S>
  }

  async #buildConfig(
    schema: TSchema,
    config: unknown,
    object: { name: string; type: string } | undefined,
    source: string,
    pointer: string,
    resolve: (ref: unknown, at: string, kind: ReferenceKind<unknown>) => Promise<unknown>,
  ): Promise<unknown> {
    const errors: ConfigError[] = []
    const fail = (at: string, reason: string, cause?: unknown) =>
      errors.push(
        new ConfigError(source, pointer + at, reason, object, cause ? { cause } : undefined),
      )
    // Configuration expressions first, then validation, then conversion (Expr, Ref, Duration).
    const data = convertConfig.evaluateConfigExpressions(
      schema,
      structuredClone(config),
      { bindings: this.bindings, functions: this.registry.functions },
      fail,
    )
    if (errors.length > 0) throw new ConfigErrors(errors)
    const validate = validatorOf(schema)
    if (!validate(data)) {
      for (const problem of problemsOf(validate.errors ?? [])) {
        if (problem.unknown) {
          if (!problem.pointer.endsWith('/comment')) {
            this.logger.warn(
              {
                source,
                pointer: pointer + problem.pointer,
                object: object?.name,
                type: object?.type,
              },
              'unknown property ignored',
            )
          }
          removeAt(data, problem.pointer)
        } else fail(problem.pointer, problem.reason)
      }
      if (errors.length > 0) throw new ConfigErrors(errors)
    }
    const converted = await convertConfig.convert(schema, data, '', {
      fail,
      functions: this.registry.functions,
      resolve: (ref, at, kind) => resolve(ref, pointer + at, kind),
    })
    if (errors.length > 0) throw new ConfigErrors(errors)
    return converted
  }

  #checkKind<T>(
    object: unknown,
    kind: ReferenceKind<T> | undefined,
    source: string,
    pointer: string,
    name: string,
  ): T {
    if (kind !== undefined && !kind.is(object)) {
      const article = /^[AEIOU]/i.test(kind.name) ? 'an' : 'a'
      throw new ConfigError(source, pointer, `heap object "${name}" is not ${article} ${kind.name}`)
    }
    return object as T
  }
}

// Reported at the declaration that closes the cycle; the cause names the whole cycle.
function circular(decl: Declaration, chain: readonly Declaration[]): ConfigError {
  const cycle = [...chain.slice(chain.indexOf(decl)), decl].map((d) => `"${d.name}"`).join(' -> ')
  return new ConfigError(
    decl.source,
    decl.pointer,
    'circular reference between heap objects',
    { name: decl.name, type: decl.type },
    { cause: new Error(`cycle: ${cycle}`) },
  )
}

function typeName(object: unknown): string {
  return (object as { constructor?: { name?: string } })?.constructor?.name ?? typeof object
}

function collect(err: unknown, into: ConfigError[]): void {
  if (err instanceof ConfigErrors) into.push(...err.errors)
  else if (err instanceof ConfigError) into.push(err)
  else throw err
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>()
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)))
}
