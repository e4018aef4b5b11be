import { PosternError } from '../errors.js'
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { parseJavaProperties } from '../util/properties.js'
import type { TokenResolver } from './tokens.js'

function text(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (value === null) return 'null'
  return typeof value === 'string'
    ? value
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value)
}

/** Flattens nested objects to dotted names: `{product: {listen: {port: 8080}}}` → `product.listen.port`. */
export function flatten(
  object: Record<string, unknown>,
  prefix = '',
  into: Map<string, string> = new Map(),
): Map<string, string> {
  for (const [key, value] of Object.entries(object)) {
    const name = prefix === '' ? key : `${prefix}.${key}`
    const str = text(value)
    if (str !== undefined) into.set(name, str)
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      flatten(value as Record<string, unknown>, name, into)
  }
  return into
}

/** Tokens from a map of names to values (route `properties`, -D system properties, files). */
export class MapResolver implements TokenResolver {
  readonly #values: ReadonlyMap<string, string>
  readonly origin: string
  constructor(values: ReadonlyMap<string, string> | Record<string, unknown>, origin = 'map') {
    this.#values = values instanceof Map ? values : flatten(values as Record<string, unknown>)
    this.origin = origin
  }
  resolve(token: string): string | undefined {
    return this.#values.get(token)
  }
}

/** Route properties, groups included (`group.var`). */
export class PropertiesResolver extends MapResolver {
  constructor(properties: Record<string, unknown>, origin = 'properties') {
    super(flatten(properties), origin)
  }
}

/** Environment variables: `listen.port` ← `LISTEN_PORT` (periods to underscores, upper case). */
export class EnvironmentResolver implements TokenResolver {
  readonly #env: Record<string, string | undefined>
  constructor(env: Record<string, string | undefined> = process.env) {
    this.#env = env
  }
  resolve(token: string): string | undefined {
    return this.#env[token.replaceAll('.', '_').toUpperCase()]
  }
}

/** `-D` system properties: the name must match the token exactly. */
export class SystemPropertiesResolver extends MapResolver {
  constructor(properties: ReadonlyMap<string, string> | Record<string, string>) {
    super(
      properties instanceof Map ? properties : new Map(Object.entries(properties)),
      'system properties',
    )
  }
}

/** Resolvers asked in order; the first that knows a token wins. */
export class TokenResolverChain implements TokenResolver {
  readonly #resolvers: readonly TokenResolver[]
  constructor(resolvers: readonly TokenResolver[]) {
    this.#resolvers = resolvers
  }
  resolve(token: string): string | undefined {
    for (const resolver of this.#resolvers) {
      const value = resolver.resolve(token)
      if (value !== undefined) return value
    }
    return undefined
  }
  /** A chain that asks `first` (a route's properties) before this one. */
  child(first: TokenResolver): TokenResolverChain {
    return new TokenResolverChain([first, this])
  }
}

/** A token defined in two files of one directory: IG refuses to start. */
export class TokenFileError extends PosternError {
  override name = 'TokenFileError'
  override code = 'ERR_POSTERN_TOKEN'
}

/**
 * Token source files from `IG_ENVCONFIG_DIRS` / `ig.envconfig.dirs`: `.json` (nested names flatten
 * to dotted tokens) and `.properties`, directories in the given order, no subdirectories. The same
 * token in two files of one directory is an error.
 */
export async function loadTokenFiles(dirs: readonly string[]): Promise<TokenResolver> {
  const resolvers: TokenResolver[] = []
  for (const dir of dirs) {
    const files = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && ['.json', '.properties'].includes(extname(e.name)))
      .map((e) => e.name)
      .sort()
    const seen = new Map<string, string>()
    for (const name of files) {
      const content = await readFile(join(dir, name), extname(name) === '.json' ? 'utf8' : 'latin1')
      const values =
        extname(name) === '.json'
          ? flatten(JSON.parse(content) as Record<string, unknown>)
          : new Map(Object.entries(parseJavaProperties(content)))
      for (const token of values.keys()) {
        const other = seen.get(token)
        if (other !== undefined) {
          throw new TokenFileError(
            `token ${token} is defined in both ${join(dir, other)} and ${join(dir, name)}`,
          )
        }
        seen.set(token, name)
      }
      resolvers.push(new MapResolver(values, join(dir, name)))
    }
  }
  return new TokenResolverChain(resolvers)
}
