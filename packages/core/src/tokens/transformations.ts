import { nodeEncoding } from '../util/charset.js'
import { resolveTokens, TokenResolutionError, type TokenResolver } from './tokens.js'

/** A transformation that cannot be applied, or a token that cannot be resolved, at a JSON pointer. */
export class ConfigTransformError extends Error {
  override name = 'ConfigTransformError'
  readonly code = 'ERR_POSTERN_CONFIG'
  readonly pointer: string
  readonly reason: string
  constructor(pointer: string, reason: string, options?: ErrorOptions) {
    super(`${pointer}: ${reason}`, options)
    this.pointer = pointer
    this.reason = reason
  }
}

function charset(name: unknown, at: string): BufferEncoding {
  if (name === undefined) return 'utf8'
  const enc = nodeEncoding(String(name))
  if (!enc) throw new ConfigTransformError(`${at}/$charset`, `unsupported charset ${String(name)}`)
  return enc
}

function parseJson(text: string, kind: 'array' | 'object', at: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new ConfigTransformError(at, `not a JSON ${kind}: ${text}`, { cause: err })
  }
  if (
    kind === 'array'
      ? !Array.isArray(value)
      : typeof value !== 'object' || value === null || Array.isArray(value)
  ) {
    throw new ConfigTransformError(at, `not a JSON ${kind}: ${text}`)
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
      throw new ConfigTransformError(at, `not a number: ${String(s)}`)
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
export function transformConfig(json: unknown, resolver: TokenResolver, pointer = ''): unknown {
  if (typeof json === 'string') {
    try {
      return resolveTokens(json, resolver)
    } catch (err) {
      if (err instanceof TokenResolutionError)
        throw new ConfigTransformError(pointer, err.message, { cause: err })
      throw err
    }
  }
  if (Array.isArray(json))
    return json.map((v, i) => transformConfig(v, resolver, `${pointer}/${i}`))
  if (typeof json !== 'object' || json === null) return json
  const node = json as Record<string, unknown>
  const key = Object.keys(node).find((k) => k in TRANSFORMS)
  if (key !== undefined) {
    const input = transformConfig(node[key], resolver, `${pointer}/${escape(key)}`)
    if (input !== null && typeof input !== 'string') {
      throw new ConfigTransformError(
        `${pointer}/${escape(key)}`,
        `${key} needs a string, found ${JSON.stringify(input)}`,
      )
    }
    return TRANSFORMS[key]!(input, node, pointer)
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node))
    out[k] = transformConfig(v, resolver, `${pointer}/${escape(k)}`)
  return out
}
