import { ExpressionSyntaxError } from './errors.js'

export type TokenKind = 'num' | 'str' | 'id' | 'op' | 'eof'
export interface Token {
  kind: TokenKind
  value: string
  /** 0-based offset in the template. */
  pos: number
  num?: number
}

const KEYWORD_OPS = new Set([
  'and',
  'or',
  'not',
  'eq',
  'ne',
  'lt',
  'gt',
  'le',
  'ge',
  'div',
  'mod',
  'empty',
  'instanceof',
])
const TWO_CHAR = new Set(['==', '!=', '<=', '>=', '&&', '||'])
const ONE_CHAR = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
  '?',
  ':',
  '.',
  '[',
  ']',
  '(',
  ')',
  ',',
])

function isIdentStart(ch: string): boolean {
  return /[\p{L}_$]/u.test(ch)
}
function isIdentPart(ch: string): boolean {
  return /[\p{L}\p{N}_$]/u.test(ch)
}

/**
 * Splits the body of one `${...}` into tokens. `offset` is where the body starts in the template,
 * so errors point at the right column.
 */
export function tokenize(body: string, template: string, offset: number): Token[] {
  const tokens: Token[] = []
  let i = 0
  const fail = (at: number, reason: string): never => {
    throw new ExpressionSyntaxError(template, offset + at + 1, reason)
  }
  while (i < body.length) {
    const ch = body[i]!
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const start = i
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(body[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(body.slice(i))!
      tokens.push({ kind: 'num', value: m[0], pos: offset + start, num: Number(m[0]) })
      i += m[0].length
      continue
    }
    if (ch === "'" || ch === '"') {
      let text = ''
      i++
      for (;;) {
        if (i >= body.length) fail(start, 'unterminated string literal')
        const c = body[i]!
        if (c === '\\' && (body[i + 1] === ch || body[i + 1] === '\\')) {
          text += body[i + 1]
          i += 2
        } else if (c === ch) {
          i++
          break
        } else {
          text += c
          i++
        }
      }
      tokens.push({ kind: 'str', value: text, pos: offset + start })
      continue
    }
    if (isIdentStart(ch)) {
      while (i < body.length && isIdentPart(body[i]!)) i++
      const word = body.slice(start, i)
      tokens.push({ kind: KEYWORD_OPS.has(word) ? 'op' : 'id', value: word, pos: offset + start })
      continue
    }
    const two = body.slice(i, i + 2)
    if (TWO_CHAR.has(two)) {
      tokens.push({ kind: 'op', value: two, pos: offset + start })
      i += 2
      continue
    }
    if (ONE_CHAR.has(ch)) {
      tokens.push({ kind: 'op', value: ch, pos: offset + start })
      i++
      continue
    }
    fail(i, `unexpected character '${ch}'`)
  }
  tokens.push({ kind: 'eof', value: '', pos: offset + body.length })
  return tokens
}
