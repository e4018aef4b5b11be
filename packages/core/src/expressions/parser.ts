import type { BinaryOp, Node, Part } from './ast.js'
import { ExpressionSyntaxError } from './errors.js'
import type { FunctionTable } from './functions/index.js'
import { tokenize, type Token } from './lexer.js'

const WORD_OPS: Record<string, string> = {
  and: '&&',
  or: '||',
  not: '!',
  eq: '==',
  ne: '!=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  div: '/',
  mod: '%',
}
// Binary operators by precedence level, lowest first.
const LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['+', '-'],
  ['*', '/', '%'],
]

class Parser {
  #tokens: Token[]
  #i = 0
  readonly #template: string
  readonly #functions: FunctionTable
  constructor(tokens: Token[], template: string, functions: FunctionTable) {
    this.#tokens = tokens
    this.#template = template
    this.#functions = functions
  }

  parse(): Node {
    const node = this.#ternary()
    const next = this.#peek()
    if (next.kind !== 'eof') this.#fail(next, `unexpected '${next.value}'`)
    return node
  }

  #peek(): Token {
    return this.#tokens[this.#i]!
  }
  #next(): Token {
    return this.#tokens[this.#i++]!
  }
  #op(token: Token): string | undefined {
    if (token.kind !== 'op') return undefined
    return WORD_OPS[token.value] ?? token.value
  }
  #accept(op: string): boolean {
    if (this.#op(this.#peek()) === op) {
      this.#i++
      return true
    }
    return false
  }
  #expect(op: string): void {
    const token = this.#peek()
    if (!this.#accept(op))
      this.#fail(
        token,
        token.kind === 'eof'
          ? `expected '${op}' before the end`
          : `expected '${op}' but found '${token.value}'`,
      )
  }
  #fail(token: Token, reason: string): never {
    throw new ExpressionSyntaxError(this.#template, token.pos + 1, reason)
  }

  #ternary(): Node {
    const test = this.#binary(0)
    if (!this.#accept('?')) return test
    const yes = this.#ternary()
    this.#expect(':')
    const no = this.#ternary()
    return { t: 'cond', test, yes, no }
  }

  #binary(level: number): Node {
    if (level === LEVELS.length) return this.#unary()
    let left = this.#binary(level + 1)
    for (;;) {
      const op = this.#op(this.#peek())
      if (op === undefined || !LEVELS[level]!.includes(op)) return left
      this.#i++
      const right = this.#binary(level + 1)
      left = { t: 'bin', op: op as BinaryOp, l: left, r: right }
    }
  }

  #unary(): Node {
    const op = this.#op(this.#peek())
    if (op === '-' || op === '!' || op === 'empty') {
      this.#i++
      const arg = this.#unary()
      if (op === '-' && arg.t === 'lit' && typeof arg.v === 'number') return { t: 'lit', v: -arg.v }
      return { t: 'unary', op, arg }
    }
    return this.#postfix(this.#primary())
  }

  #postfix(node: Node): Node {
    for (;;) {
      if (this.#accept('.')) {
        const name = this.#next()
        if (name.kind !== 'id' && !(name.kind === 'op' && /^[a-z]+$/.test(name.value)))
          this.#fail(name, 'expected a property name after "."')
        if (this.#accept('('))
          node = { t: 'method', obj: node, name: name.value, args: this.#args() }
        else node = { t: 'member', obj: node, key: name.value }
      } else if (this.#accept('[')) {
        const key = this.#ternary()
        this.#expect(']')
        node = { t: 'index', obj: node, key }
      } else return node
    }
  }

  #args(): Node[] {
    const args: Node[] = []
    if (this.#accept(')')) return args
    do args.push(this.#ternary())
    while (this.#accept(','))
    this.#expect(')')
    return args
  }

  #primary(): Node {
    const token = this.#next()
    switch (token.kind) {
      case 'num':
        return { t: 'lit', v: token.num }
      case 'str':
        return { t: 'lit', v: token.value }
      case 'id': {
        if (token.value === 'true') return { t: 'lit', v: true }
        if (token.value === 'false') return { t: 'lit', v: false }
        if (token.value === 'null') return { t: 'lit', v: null }
        let name = token.value
        // a namespaced function, prefix:name(...)
        if (
          this.#op(this.#peek()) === ':' &&
          this.#tokens[this.#i + 1]?.kind === 'id' &&
          this.#op(this.#tokens[this.#i + 2]!) === '('
        ) {
          this.#i++
          name = `${name}:${this.#next().value}`
        }
        if (this.#accept('(')) {
          const fn = this.#functions.get(name)
          if (!fn) return this.#fail(token, `unknown function ${name}`)
          return { t: 'call', name, fn, args: this.#args() }
        }
        return { t: 'id', name }
      }
      case 'op':
        if (token.value === '(') {
          const inner = this.#ternary()
          this.#expect(')')
          return inner
        }
        return this.#fail(token, `unexpected '${token.value}'`)
      case 'eof':
        return this.#fail(token, 'unexpected end of expression')
    }
  }
}

/** Finds the `}` closing an expression that starts at `start` (just after `{`), skipping strings. */
function closingBrace(template: string, start: number): number {
  let depth = 0
  for (let i = start; i < template.length; i++) {
    const ch = template[i]
    if (ch === "'" || ch === '"') {
      for (i++; i < template.length && template[i] !== ch; i++) if (template[i] === '\\') i++
    } else if (ch === '{') depth++
    else if (ch === '}') {
      if (depth === 0) return i
      depth--
    }
  }
  return -1
}

/** Splits a template into literal text and parsed `${...}` / `#{...}` expressions. */
export function parseTemplate(template: string, functions: FunctionTable): Part[] {
  const parts: Part[] = []
  let text = ''
  let i = 0
  while (i < template.length) {
    const ch = template[i]!
    if (ch === '\\' && (template.startsWith('${', i + 1) || template.startsWith('#{', i + 1))) {
      text += template.slice(i + 1, i + 3)
      i += 3
      continue
    }
    if ((ch === '$' || ch === '#') && template[i + 1] === '{') {
      const end = closingBrace(template, i + 2)
      if (end < 0)
        throw new ExpressionSyntaxError(template, i + 1, `unterminated expression: no closing '}'`)
      const body = template.slice(i + 2, end)
      const tokens = tokenize(body, template, i + 2)
      if (tokens.length === 1) throw new ExpressionSyntaxError(template, i + 3, 'empty expression')
      if (text !== '') parts.push(text)
      text = ''
      parts.push({
        node: new Parser(tokens, template, functions).parse(),
        deferred: ch === '#',
        source: template.slice(i, end + 1),
      })
      i = end + 1
      continue
    }
    text += ch
    i++
  }
  if (text !== '' || parts.length === 0) parts.push(text)
  return parts
}
