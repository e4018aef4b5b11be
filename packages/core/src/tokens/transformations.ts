import { ConfigError } from '../errors.js'
import { nodeEncoding } from '../util/charset.js'
import { resolveTokens, TokenResolutionError, type TokenResolver } from './tokens.js'

function charset(name: unknown, at: string): BufferEncoding {
  if (name === undefined) return 'utf8'
  const enc = nodeEncoding(String(name))
  if (!enc) throw transformError(`${at}/$charset`, `unsupported charset ${String(name)}`)
  return enc
}

function parseJson(text: string, kind: 'array' | 'object', at: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw transformError(at, `not a JSON ${kind}: ${text}`, { cause: err })
  }
  if (
    kind === 'array'
      ? !Array.isArray(value)
      : typeof value !== 'object' || value === null || Array.isArray(value)
  ) {
    throw transformError(at, `not a JSON ${kind}: ${text}`)
  }
  return value
}

type Transform = (input: string | null, node: Record<string, unknown>, at: string) => unknown

/** The transformations of the JSON evaluation chapter, by their `$` key. */
const TRANSFORMS: Record<string, Transform> = {
  $int: (s) => (s !== null && /^[+-]?\d+$/.test(s.trim()) ? Number(s.trim()) : null),
  $number: (s, _n, at) => {
    const n = s === null ? NaN : Number(s.trim())
    if (s === null || s.trim() === '' || Number.isNaN(n))
      throw transformError(at, `not a number: ${String(s)}`)
    return n
  },
  $bool: (s) => s !== null && s.toLowerCase() === 'true',
  $list: (s) => (s === null ? null : s === '' ? [] : s.split(',')),
  $array: (s, _n, at) => (s === null ? null : parseJson(s, 'array', at)),
  $object: (s, _n, at) => (s === null ? null : parseJson(s, 'object', at)),
  $string: (s) => s,
  '$base64:encode': (s, node, at) =>
    s === null ? null : Buffer.from(s, charset(node.$charset, at)).toString('base64'),
  '$base64:decode': (s, node, at) =>
    s === null ? null : Buffer.from(s, 'base64').toString(charset(node.$charset, at)),
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * JSON evaluation's first steps, for a whole config: resolves `&{tokens}` in every string, then
 * applies transformations (`{"$int": "&{port|8080}"}`) leaf first. `${}` expressions are left for
 * the heap. Errors carry the JSON pointer of the node.
 */
/**
 * Resolves the configuration tokens of a JSON document and applies IG's transformations
 * (`$bool`, `$int`, `$base64:encode`, ...). A token that cannot be resolved or a transformation
 * that cannot be applied is a ConfigError at its JSON pointer in `source`.
 */
export function transformConfig(
  json: unknown,
  resolver: TokenResolver,
  pointer = '',
  source = '',
): unknown {
  try {
    return transform(json, resolver, pointer)
  } catch (err) {
    if (err instanceof ConfigError && source !== '' && err.source === '')
      throw new ConfigError(source, err.pointer, err.reason, undefined, { cause: err.cause })
    throw err
  }
}

function transformError(pointer: string, reason: string, options?: ErrorOptions): ConfigError {
  return new ConfigError('', pointer, reason, undefined, options)
}

function transform(json: unknown, resolver: TokenResolver, pointer: string): unknown {
  if (typeof json === 'string') {
    try {
      return resolveTokens(json, resolver)
    } catch (err) {
      if (err instanceof TokenResolutionError)
        throw transformError(pointer, err.message, { cause: err })
      throw err
    }
  }
  if (Array.isArray(json)) return json.map((v, i) => transform(v, resolver, `${pointer}/${i}`))
  if (typeof json !== 'object' || json === null) return json
  const node = json as Record<string, unknown>
  const key = Object.keys(node).find((k) => k in TRANSFORMS)
  if (key !== undefined) {
    const input = transform(node[key], resolver, `${pointer}/${escape(key)}`)
    if (input !== null && typeof input !== 'string') {
      throw transformError(
        `${pointer}/${escape(key)}`,
        `${key} needs a string, found ${JSON.stringify(input)}`,
      )
    }
    return TRANSFORMS[key]!(input, node, pointer)
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node))
    out[k] = transform(v, resolver, `${pointer}/${escape(k)}`)
  return out
}
