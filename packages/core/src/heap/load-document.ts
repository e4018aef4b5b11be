import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Bindings, InstanceInfo } from '../bindings.js'
import { ConfigError, ConfigErrors } from '../errors.js'
import { Expression, type FunctionTable } from '../expressions/index.js'
import type { Logger } from '../logger.js'
import {
  PropertiesResolver,
  TokenResolverChain,
  transformConfig,
  type TokenResolver,
} from '../tokens/index.js'
import { Heap, type HeapOptions } from './heap.js'
import type { TypeRegistry } from './registry.js'

interface DocumentInit {
  /** Instance-relative file of the document: `config/config.json`, `config/routes/10-api.json`. */
  source: string
  /** The parsed document; anything but a JSON object is a ConfigError. */
  json: unknown
  /** The logger of the document's heap, made once the document is resolved (a route's names it). */
  logger: (config: Record<string, unknown>) => Logger
  /** Declared lazily before the document's heap, which may override them (the default objects). */
  defaults?: readonly unknown[]
}

/** Where the document sits: below a parent heap (a route), or at the top (admin.json, config.json). */
type Level =
  | { parent: Heap }
  | {
      registry: TypeRegistry
      tokens: TokenResolver
      bindings: Bindings
      instance?: InstanceInfo
      /** The clock of the document's heap objects (inherited by the heaps below it). */
      now?: () => number
    }

export type LoadDocumentOptions = DocumentInit & Level

export interface LoadedDocument {
  /** The document's heap: its objects are declared, and made by `createAll()` or when referenced. */
  readonly heap: Heap
  /** The document with tokens resolved and transformations applied, without `properties`. */
  readonly config: Record<string, unknown>
}

/**
 * Loads one configuration document as IG does: `properties` (resolved with the enclosing level's
 * tokens only), then tokens and transformations of the rest, then the heap with the properties as
 * tokens and bindings, its declarations and `globalDecorators`. Every problem is a ConfigErrors
 * naming the file, JSON pointer and object.
 *
 * @example
 * const { heap, config } = loadDocument({ source, json, parent, logger: () => logger })
 */
export function loadDocument(options: LoadDocumentOptions): LoadedDocument {
  const { source, json } = options
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ConfigErrors([new ConfigError(source, '', 'must be a JSON object')])
  const level = levelOf(options)
  const outer = level.tokens ?? new TokenResolverChain([])
  try {
    const raw = json as Record<string, unknown>
    // properties resolve tokens first, so they are transformed with the enclosing tokens only
    const properties =
      raw.properties === undefined
        ? {}
        : (transformConfig(raw.properties, outer, '/properties', source) as Record<string, unknown>)
    const tokens = new TokenResolverChain([new PropertiesResolver(properties), outer])
    const config = transformConfig({ ...raw, properties: undefined }, tokens, '', source) as Record<
      string,
      unknown
    >
    delete config.properties
    const bindings = evaluateProperties(properties, level.bindings, source, level.functions)
    const heap = level.heap({ source, bindings, tokens, logger: options.logger(config) })
    if (options.defaults)
      heap.declare(options.defaults, '/heap', {
        lazy: true,
        source: `(default objects of ${source})`,
      })
    heap.declare(config.heap)
    heap.setGlobalDecorators(config.globalDecorators, source)
    return { heap, config }
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigErrors([err])
    throw err
  }
}

type HeapInit = Pick<HeapOptions, 'source' | 'bindings' | 'tokens' | 'logger'>

function levelOf(options: Level) {
  if ('parent' in options) {
    const { parent } = options
    return {
      tokens: parent.tokens,
      bindings: parent.bindings,
      functions: parent.registry.functions,
      heap: (init: HeapInit) => parent.child(init),
    }
  }
  const { registry, tokens, bindings, instance, now } = options
  return {
    tokens,
    bindings,
    functions: registry.functions,
    heap: (init: HeapInit) =>
      new Heap({ ...init, registry, ...(instance ? { instance } : {}), ...(now ? { now } : {}) }),
  }
}

/**
 * Properties become expression bindings (`${appLocation}`) on top of the enclosing level's.
 * Values are evaluated in order, so later ones may use earlier ones; `$location` reads a JSON file.
 */
function evaluateProperties(
  properties: Record<string, unknown>,
  parent: Bindings,
  source: string,
  functions: FunctionTable,
): Bindings {
  const scope: Bindings = Object.create(parent) as Bindings
  const evaluate = (value: unknown, pointer: string) =>
    evaluateValue(value, { scope, source, functions }, pointer)
  const read = (location: unknown, pointer: string) =>
    readLocation(evaluate(location, pointer), source, pointer)
  for (const [name, value] of Object.entries(properties)) {
    const pointer = `/properties/${name}`
    if (name === '$location') Object.assign(scope, read(value, pointer))
    else if (isObject(value) && '$location' in value)
      scope[name] = read(value.$location, `${pointer}/$location`)
    else scope[name] = evaluate(value, pointer)
  }
  return scope
}

interface Scope {
  scope: Bindings
  source: string
  functions: FunctionTable
}

function evaluateValue(value: unknown, at: Scope, pointer: string): unknown {
  if (typeof value === 'string' && (value.includes('${') || value.includes('#{'))) {
    try {
      return Expression.parse(value, { functions: at.functions }).eval(at.scope)
    } catch (err) {
      throw new ConfigError(at.source, pointer, (err as Error).message, undefined, { cause: err })
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => evaluateValue(v, at, `${pointer}/${i}`))
  if (isObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = evaluateValue(v, at, `${pointer}/${k}`)
    return out
  }
  return value
}

function readLocation(location: unknown, source: string, pointer: string): Record<string, unknown> {
  const where = String(location ?? '')
  const path = where.startsWith('file:') ? fileURLToPath(where) : where
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch (err) {
    const reason = `cannot read properties from ${where}: ${(err as Error).message}`
    throw new ConfigError(source, pointer, reason, undefined, { cause: err })
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
