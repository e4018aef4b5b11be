import { EL_GET, EL_SET } from '../expressions/protocol.js'
import { RequestError } from '../errors.js'

function decodeFormPart(part: string, lenient: boolean): string {
  const text = part.replaceAll('+', ' ')
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch (err) {
    // org.forgerock.http.util.ignoreFormParamDecodingError: keep the encoded value
    if (lenient) return text
    throw new RequestError(400, `malformed form parameter: ${part}`, { cause: err })
  }
}

function encodeFormPart(value: string): string {
  return encodeURIComponent(value).replaceAll('%20', '+')
}

/**
 * Form parameters, `application/x-www-form-urlencoded`: a map of names to lists of values, in
 * the order they came.
 */
export class Form extends Map<string, string[]> {
  /**
   * Parses `a=1&b=2&a=3`; a malformed percent escape is a RequestError 400, or kept as written when
   * `lenient` (the gateway's `org.forgerock.http.util.ignoreFormParamDecodingError`).
   */
  static parse(text: string | null | undefined, lenient = false): Form {
    const form = new Form()
    if (!text) return form
    for (const pair of text.split('&')) {
      if (pair === '') continue
      const eq = pair.indexOf('=')
      const name = decodeFormPart(eq < 0 ? pair : pair.slice(0, eq), lenient)
      const value = eq < 0 ? '' : decodeFormPart(pair.slice(eq + 1), lenient)
      form.add(name, value)
    }
    return form
  }

  static from(record: Record<string, string | readonly string[]>): Form {
    const form = new Form()
    for (const [name, value] of Object.entries(record)) {
      form.set(name, typeof value === 'string' ? [value] : [...value])
    }
    return form
  }

  add(name: string, value: string): this {
    const values = this.get(name)
    if (values) values.push(value)
    else this.set(name, [value])
    return this
  }

  getFirst(name: string): string | undefined {
    return this.get(name)?.[0]
  }

  override toString(): string {
    const parts: string[] = []
    for (const [name, values] of this) {
      for (const value of values) parts.push(`${encodeFormPart(name)}=${encodeFormPart(value)}`)
    }
    return parts.join('&')
  }

  toJSON(): Record<string, string[]> {
    return Object.fromEntries(this)
  }

  [EL_GET](key: string | number): unknown {
    return this.get(String(key))
  }

  [EL_SET](key: string | number, value: unknown): void {
    if (value === null || value === undefined) this.delete(String(key))
    else this.set(String(key), Array.isArray(value) ? value.map(String) : [String(value)])
  }
}
