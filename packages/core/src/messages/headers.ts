import { EL_GET, EL_SET } from '../expressions/protocol.js'

/** The shape undici and node:http accept for outgoing headers. */
export type RawHeaders = Record<string, string | string[]>

/**
 * Case-insensitive, multi-valued headers. Names keep the case they were first set with; values are
 * lists, as IG's `request.headers['X-Name'][0]` reads them.
 */
export class Headers implements Iterable<[string, string[]]> {
  // lower-case name → [name as first written, values]
  readonly #map = new Map<string, [string, string[]]>()

  constructor(init?: Headers | Iterable<[string, string | readonly string[]]> | RawHeaders) {
    if (init === undefined) return
    if (init instanceof Headers) {
      for (const [key, [name, values]] of init.#map) this.#map.set(key, [name, [...values]])
      return
    }
    const entries = Symbol.iterator in init ? init : Object.entries(init)
    for (const [name, value] of entries as Iterable<[string, string | readonly string[]]>) {
      this.append(name, value)
    }
  }

  /** Builds headers from node's `rawHeaders` list: [name, value, name, value, ...]. */
  static fromRaw(raw: readonly string[]): Headers {
    const headers = new Headers()
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
    return headers
  }

  get size(): number {
    return this.#map.size
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase())
  }

  /** The first value, or undefined. */
  get(name: string): string | undefined {
    return this.#map.get(name.toLowerCase())?.[1][0]
  }

  /** Every value, in order; an empty list when absent. */
  getAll(name: string): string[] {
    return this.#map.get(name.toLowerCase())?.[1] ?? []
  }

  /** The values joined as one field value (`, `), or undefined. */
  getJoined(name: string): string | undefined {
    const values = this.#map.get(name.toLowerCase())?.[1]
    return values === undefined ? undefined : values.join(', ')
  }

  set(name: string, value: string | readonly string[] | number): void {
    const values = typeof value === 'object' ? [...value] : [String(value)]
    if (values.length === 0) this.#map.delete(name.toLowerCase())
    else this.#map.set(name.toLowerCase(), [name, values])
  }

  append(name: string, value: string | readonly string[] | number): void {
    const key = name.toLowerCase()
    const entry = this.#map.get(key)
    const values = typeof value === 'object' ? value : [String(value)]
    if (entry) entry[1].push(...values)
    else if (values.length > 0) this.#map.set(key, [name, [...values]])
  }

  delete(name: string): boolean {
    return this.#map.delete(name.toLowerCase())
  }

  clear(): void {
    this.#map.clear()
  }

  names(): string[] {
    return [...this.#map.values()].map(([name]) => name)
  }

  *[Symbol.iterator](): Iterator<[string, string[]]> {
    for (const [name, values] of this.#map.values()) yield [name, values]
  }

  /** For node:http and undici: one entry per name, lists kept as arrays. */
  toRaw(): RawHeaders {
    const out: RawHeaders = {}
    for (const [name, values] of this.#map.values())
      out[name] = values.length === 1 ? values[0]! : values
    return out
  }

  /** A plain `{name: [values]}` object, as IG prints headers. */
  toJSON(): Record<string, string[]> {
    const out: Record<string, string[]> = {}
    for (const [name, values] of this.#map.values()) out[name] = [...values]
    return out
  }

  [EL_GET](key: string | number): unknown {
    const entry = this.#map.get(String(key).toLowerCase())
    return entry ? entry[1] : undefined
  }

  [EL_SET](key: string | number, value: unknown): void {
    if (value === null || value === undefined) this.delete(String(key))
    else if (Array.isArray(value)) this.set(String(key), value.map(String))
    else this.set(String(key), String(value))
  }
}
