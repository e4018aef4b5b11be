import { PosternError } from '../errors.js'
/** A configuration token that no resolver knows and that has no default. */
export class TokenResolutionError extends PosternError {
  override name = 'TokenResolutionError'
  override code = 'ERR_POSTERN_TOKEN'
  readonly token: string
  constructor(token: string) {
    super(`configuration token &{${token}} cannot be resolved and has no default`)
    this.token = token
  }
}

/** Something that knows the values of configuration tokens. */
export interface TokenResolver {
  resolve(token: string): string | undefined
}

/** Whether a string holds a configuration token (an unescaped `&{`). */
export function hasToken(text: string): boolean {
  return /(^|[^\\])&\{/.test(text)
}

// Finds the `}` that closes a token opened just before `start`, allowing nested tokens.
function closing(text: string, start: number): number {
  let depth = 0
  for (let i = start; i < text.length; i++) {
    if (text[i] === '\\' && text.startsWith('&{', i + 1)) i += 2
    else if (text.startsWith('&{', i)) {
      depth++
      i++
    } else if (text[i] === '}') {
      if (depth === 0) return i
      depth--
    }
  }
  return -1
}

// The `|` that separates the token from its default, outside nested tokens.
function separator(body: string): number {
  let depth = 0
  for (let i = 0; i < body.length; i++) {
    if (body.startsWith('&{', i)) {
      depth++
      i++
    } else if (body[i] === '}') depth--
    else if (body[i] === '|' && depth === 0) return i
  }
  return -1
}

/**
 * Replaces every `&{token|default}` in a string, leaf first: `&{&{protocol.scheme|http}.port|8080}`.
 * `\&{` stays as the literal text `&{`. Throws TokenResolutionError for a token without value.
 */
export function resolveTokens(text: string, resolver: TokenResolver): string {
  if (!text.includes('&{')) return text
  let out = ''
  let i = 0
  while (i < text.length) {
    if (text[i] === '\\' && text.startsWith('&{', i + 1)) {
      out += '&{'
      i += 3
      continue
    }
    if (text.startsWith('&{', i)) {
      const end = closing(text, i + 2)
      if (end < 0) {
        out += text.slice(i)
        break
      }
      const body = text.slice(i + 2, end)
      const bar = separator(body)
      const name = resolveTokens(bar < 0 ? body : body.slice(0, bar), resolver)
      const value = resolver.resolve(name)
      if (value !== undefined) out += value
      else if (bar >= 0) out += resolveTokens(body.slice(bar + 1), resolver)
      else throw new TokenResolutionError(name)
      i = end + 1
      continue
    }
    out += text[i]
    i++
  }
  return out
}
