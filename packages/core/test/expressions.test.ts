import { describe, expect, test } from 'vitest'
import { Expression, ExpressionError, ExpressionSyntaxError, Request } from '../src/index.js'
import { cases } from './expressions.cases.js'

describe('expressions: the reference chapters as a table', () => {
  test.for(cases())(
    '$expression ($ref)',
    async ({ expression, expected, bindings = {}, expectedType }) => {
      const expr = Expression.parse(expression, expectedType ? { expectedType } : {})
      const value = expr.readsEntity ? await expr.evaluate(bindings) : expr.eval(bindings)
      expect(Buffer.isBuffer(value) ? [...value] : value).toEqual(expected)
    },
  )
})

describe('syntax errors name the column and the problem', () => {
  test.for([
    ['${1 +}', 6, 'unexpected end of expression'],
    ['${request.method ==}', 20, 'unexpected end of expression'],
    ["${'unterminated}", 1, "unterminated expression: no closing '}'"],
    ["${'unterminated\\'}", 1, "unterminated expression: no closing '}'"],
    ['abc ${', 5, "unterminated expression: no closing '}'"],
    ['${}', 3, 'empty expression'],
    ['${a b}', 5, "unexpected 'b'"],
    ['${noSuchFunction(1)}', 3, 'unknown function noSuchFunction'],
    ['${a.}', 5, 'expected a property name after "."'],
    ['${trim(1,}', 10, 'unexpected end of expression'],
    ['${a ? b}', 8, "expected ':' before the end"],
    ['${1 @ 2}', 5, "unexpected character '@'"],
  ] as const)('%s', ([template, column, reason]) => {
    let error: ExpressionSyntaxError | undefined
    try {
      Expression.parse(template)
    } catch (err) {
      error = err as ExpressionSyntaxError
    }
    expect(error).toBeInstanceOf(ExpressionSyntaxError)
    expect({ column: error!.column, reason: error!.reason, code: error!.code }).toEqual({
      column,
      reason,
      code: 'ERR_POSTERN_EXPRESSION',
    })
  })
})

describe('l-values', () => {
  test('assign into attributes, session, headers, and nested maps', () => {
    const request = new Request()
    const bindings = {
      attributes: {} as Record<string, unknown>,
      session: new Map<string, unknown>(),
      request,
      data: { inner: {} as Record<string, unknown> },
    }
    Expression.parse('${attributes.user}').assign(bindings, 'bjensen')
    Expression.parse("${session['goto']}").assign(bindings, '/home')
    Expression.parse("${request.headers['X-User']}").assign(bindings, 'bjensen')
    Expression.parse('${data.inner.value}').assign(bindings, 42)
    expect(bindings.attributes.user).toBe('bjensen')
    expect(bindings.session.get('goto')).toBe('/home')
    expect(request.headers.get('x-user')).toBe('bjensen')
    expect(bindings.data.inner.value).toBe(42)
  })

  test('writing to something read-only is ignored, as IG ignores it', () => {
    const bindings = { frozen: Object.freeze({ a: 1 }) }
    Expression.parse('${frozen.a}').assign(bindings, 2)
    Expression.parse('${nothing.at.all}').assign(bindings, 2)
    expect(bindings.frozen.a).toBe(1)
  })

  test('an expression that is not an l-value cannot be assigned', () => {
    expect(() => Expression.parse('${1 + 1}').assign({}, 1)).toThrow(ExpressionError)
    expect(() => Expression.parse('text ${a}').assign({}, 1)).toThrow(
      'not an l-value expression: text ${a}',
    )
    expect(Expression.parse('${a.b}').isLValue).toBe(true)
    expect(Expression.parse('${f(1)}'.replace('f', 'trim')).isLValue).toBe(false)
  })
})

describe('evaluation properties', () => {
  test('constant templates, deferred and entity flags', () => {
    expect(Expression.parse('plain').isConstant).toBe(true)
    expect(Expression.parse('#{x}').isDeferred).toBe(true)
    expect(Expression.parse('${request.entity.json.a}').readsEntity).toBe(true)
    expect(Expression.parse("${request['entity']}").readsEntity).toBe(true)
    expect(Expression.parse('${request.headers}').readsEntity).toBe(false)
  })

  test('evaluate() buffers a streamed entity before reading it; eval() alone sees null', async () => {
    const { Readable } = await import('node:stream')
    const request = new Request({ method: 'POST' })
    request.entity.setStream(Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]))
    const expr = Expression.parse('#{request.entity.json.a}')
    expect(expr.eval({ request })).toBeNull()
    expect(await expr.evaluate({ request })).toBe(1)
  })

  test('initial bindings are merged under evaluation bindings and neither is changed', () => {
    const initial = { a: 1, b: 5 }
    const expr = Expression.parse('${a + b}', { bindings: initial })
    expect(expr.eval({ b: 2 })).toBe(3)
    expect(expr.eval()).toBe(6)
    expect(initial).toEqual({ a: 1, b: 5 })
  })

  test('a literal value stands where an expression may', () => {
    expect(Expression.constant(false).eval({})).toBe(false)
    expect(Expression.constant({ a: 1 }).eval({})).toEqual({ a: 1 })
  })
})
