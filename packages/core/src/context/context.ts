import { randomUUID } from 'node:crypto'
import { EL_GET } from '../expressions/protocol.js'

/**
 * A link in the request's context chain. Each filter that learns something adds a context on top
 * of the one it received; `contexts.<name>` shows the nearest context of each name.
 */
export abstract class Context {
  abstract readonly name: string
  readonly parent: Context | null
  #id: string | undefined

  constructor(parent: Context | null) {
    this.parent = parent
  }

  /** Read-only, unique per context object (IG's `context-ID`); made on first read. */
  get id(): string {
    return (this.#id ??= randomUUID())
  }

  get isRootContext(): boolean {
    return this.parent === null
  }

  /** The nearest context with this name, this one included, or null. */
  get<C extends Context = Context>(name: string): C | null {
    for (let c: Context | null = this; c !== null; c = c.parent) if (c.name === name) return c as C
    return null
  }

  /** The nearest context of this class, this one included, or null. */
  as<C extends Context>(type: abstract new (...args: never[]) => C): C | null {
    for (let c: Context | null = this; c !== null; c = c.parent) if (c instanceof type) return c
    return null
  }

  /** Like `as`, but a missing context is a programming error. */
  asRequired<C extends Context>(type: abstract new (...args: never[]) => C): C {
    const found = this.as(type)
    if (found === null) throw new TypeError(`no ${type.name} in the context chain`)
    return found
  }

  #view: ContextsView | undefined

  /** The `contexts` binding of expressions: `contexts.client`, `contexts['jwtBuilder']`. */
  get contexts(): ContextsView {
    return (this.#view ??= new ContextsView(this))
  }
}

/** `contexts.<name>` in expressions: looked up along the chain when read, nothing is copied. */
export class ContextsView {
  readonly #context: Context
  constructor(context: Context) {
    this.#context = context
  }
  [EL_GET](key: string | number): unknown {
    return this.#context.get(String(key)) ?? undefined
  }
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {}
    for (let c: Context | null = this.#context; c !== null; c = c.parent) out[c.name] ??= c.id
    return out
  }
}

/** The context at the bottom of every chain. */
export class RootContext extends Context {
  readonly name = 'root'
  constructor() {
    super(null)
  }
}

/** Request attributes, `${attributes.x}`: transient state for one request. */
export class AttributesContext extends Context {
  readonly name = 'attributes'
  readonly attributes: Record<string, unknown> = {}
}

/** A context that carries nothing but a name: for filters that only mark the chain. */
export class NamedContext extends Context {
  readonly name: string
  constructor(parent: Context, name: string) {
    super(parent)
    this.name = name
  }
}
