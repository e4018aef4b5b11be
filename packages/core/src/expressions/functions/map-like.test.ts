import { describe, expect, test } from 'vitest'
import { requestBindings, staticBindings, type Bindings } from '../../bindings.js'
import { AttributesContext, NamedContext, RootContext } from '../../context/context.js'
import { SessionContext, TransientSession, type Session } from '../../context/session-context.js'
import { Request } from '../../messages/request.js'
import { Response } from '../../messages/response.js'
import { Expression } from '../expression.js'
import { EL_GET, EL_SET } from '../protocol.js'
import { collectionFunctions } from './collections.js'
import { fileFunctions } from './files.js'
import { regexFunctions } from './regex.js'
import { stringFunctions } from './strings.js'
import { valueFunctions } from './values.js'

/** A session that is not a Map (as InMemorySessionManager's): get, keys, size and iteration. */
class StoredSession implements Session {
  readonly #data = new Map<string, unknown>()
  get(key: string) {
    return this.#data.get(key)
  }
  set(key: string, value: unknown) {
    this.#data.set(key, value)
  }
  delete(key: string) {
    return this.#data.delete(key)
  }
  has(key: string) {
    return this.#data.has(key)
  }
  clear() {
    this.#data.clear()
  }
  keys() {
    return this.#data.keys()
  }
  get size() {
    return this.#data.size
  }
  [Symbol.iterator]() {
    return this.#data[Symbol.iterator]()
  }
  async save() {}
  [EL_GET](key: string | number) {
    return this.#data.get(String(key))
  }
  [EL_SET](key: string | number, value: unknown) {
    if (value === null) this.#data.delete(String(key))
    else this.#data.set(String(key), value)
  }
}

function bindingsFor(init: {
  request?: Request
  response?: Response
  attributes?: Record<string, unknown>
  session?: Session
  system?: Record<string, string>
}): Bindings {
  let context: RootContext | AttributesContext | SessionContext | NamedContext = new RootContext()
  context = new NamedContext(context, 'zeta')
  const attributes = new AttributesContext(context)
  Object.assign(attributes.attributes, init.attributes)
  context = new SessionContext(attributes, init.session ?? new TransientSession())
  context = new NamedContext(context, 'beta')
  return requestBindings(
    staticBindings({ system: init.system ?? {} }),
    context,
    init.request ?? new Request(),
    init.response,
  )
}

function session<S extends Session>(s: S): S {
  s.set('zeta', 1)
  s.set('beta', 2)
  return s
}

const KEYS = ['zeta', 'beta']

/** Every map-like object an expression sees, each holding the keys `zeta` then `beta`. */
const sources: { path: string; keys: string[]; bindings: () => Bindings }[] = [
  {
    path: 'request.queryParams',
    keys: KEYS,
    bindings: () => bindingsFor({ request: new Request({ uri: 'http://h/?zeta=1&beta=2' }) }),
  },
  {
    path: 'request.headers',
    keys: KEYS,
    bindings: () => bindingsFor({ request: new Request({ headers: { zeta: '1', beta: '2' } }) }),
  },
  {
    path: 'response.headers',
    keys: KEYS,
    bindings: () =>
      bindingsFor({ response: new Response({ status: 200, headers: { zeta: '1', beta: '2' } }) }),
  },
  {
    path: 'request.cookies',
    keys: KEYS,
    bindings: () =>
      bindingsFor({ request: new Request({ headers: { cookie: 'zeta=1; beta=2' } }) }),
  },
  {
    path: 'request.entity.form',
    keys: KEYS,
    bindings: () =>
      bindingsFor({ request: new Request({ method: 'POST', entity: 'zeta=1&beta=2' }) }),
  },
  {
    path: 'request.entity.json',
    keys: KEYS,
    bindings: () =>
      bindingsFor({ request: new Request({ method: 'POST', entity: { zeta: 1, beta: 2 } }) }),
  },
  {
    path: 'attributes',
    keys: KEYS,
    bindings: () => bindingsFor({ attributes: { zeta: 1, beta: 2 } }),
  },
  {
    path: 'session',
    keys: KEYS,
    bindings: () => bindingsFor({ session: session(new TransientSession()) }),
  },
  {
    path: 'session (not a Map)',
    keys: KEYS,
    bindings: () => bindingsFor({ session: session(new StoredSession()) }),
  },
  {
    path: 'contexts',
    keys: ['beta', 'session', 'attributes', 'zeta', 'root'], // nearest first
    bindings: () => bindingsFor({}),
  },
  {
    path: 'system',
    keys: KEYS,
    bindings: () => bindingsFor({ system: { zeta: '1', beta: '2' } }),
  },
]

const evaluate = (expression: string, bindings: Bindings): unknown =>
  Expression.parse(expression).eval(bindings)

const at = (path: string) => path.replace(/ \(.*\)$/, '')

interface Case {
  ref: string
  /** The expression, `X` standing for the map-like object. */
  expression: string
  expected: (keys: string[]) => unknown
}

/** Functions that read the object as a map. */
const mapCases: Case[] = [
  { ref: 'keyMatch', expression: "keyMatch(X, '^be')", expected: () => 'beta' },
  {
    ref: 'keyMatch: found anywhere in the key, first key in order',
    expression: "keyMatch(X, 'eta')",
    expected: (keys) => keys[0],
  },
  { ref: 'keyMatch: whole key', expression: "keyMatch(X, '^beta$')", expected: () => 'beta' },
  { ref: 'keyMatch: no match', expression: "keyMatch(X, '^gamma')", expected: () => null },
  { ref: 'keyMatch: invalid pattern', expression: "keyMatch(X, '(')", expected: () => null },
  { ref: 'length: number of entries', expression: 'length(X)', expected: (keys) => keys.length },
  { ref: 'contains: a key', expression: "contains(X, 'beta')", expected: () => true },
  { ref: 'contains: not a key', expression: "contains(X, 'gamma')", expected: () => false },
  { ref: 'join: a map is not a list', expression: "join(X, ',')", expected: () => null },
  { ref: 'Methods: containsKey', expression: "X.containsKey('beta')", expected: () => true },
  { ref: 'Methods: keySet', expression: 'X.keySet()', expected: (keys) => keys },
  { ref: 'Methods: size', expression: 'X.size()', expected: (keys) => keys.length },
  { ref: 'Methods: isEmpty', expression: 'X.isEmpty()', expected: () => false },
]

/** Functions of strings and other values: a map is read as its string form, `toString(X)`. */
const valueCases: { name: string; args: string }[] = [
  ...Object.keys(stringFunctions)
    .filter((name) => name !== 'indexOf')
    .map((name) => ({ name, args: '' })),
  { name: 'indexOf', args: ", 'beta'" },
  { name: 'array', args: '' },
  { name: 'split', args: ", ','" },
  { name: 'toJson', args: '' },
  ...Object.keys(regexFunctions).map((name) => ({ name, args: ", 'beta'" })),
  { name: 'bool', args: '' },
  { name: 'integer', args: '' },
  { name: 'digestSha256', args: '' },
  { name: 'ipMatch', args: ", '10.0.0.0/8'" },
  { name: 'pemCertificate', args: '' },
  { name: 'derCertificate', args: '' },
  ...Object.keys(fileFunctions).map((name) => ({
    name,
    args: name === 'readWithCharset' ? ", 'UTF-8'" : '',
  })),
]

describe('Functions on every map-like object an expression sees', () => {
  test('every function of the Functions chapter has cases', () => {
    const all = [
      ...Object.keys(stringFunctions),
      ...Object.keys(collectionFunctions),
      ...Object.keys(regexFunctions),
      ...Object.keys(valueFunctions),
      ...Object.keys(fileFunctions),
    ]
    const covered = new Set([
      ...mapCases.map((c) => /^(\w+)\(/.exec(c.expression)?.[1]),
      ...valueCases.map((c) => c.name),
    ])
    expect(all.filter((name) => !covered.has(name))).toEqual([])
  })

  describe.each(sources)('$path', ({ path, keys, bindings }) => {
    test.for(mapCases)('$expression: $ref', ({ expression, expected }) => {
      const text = `\${${expression.replaceAll('X', at(path))}}`
      expect(evaluate(text, bindings())).toEqual(expected(keys))
    })

    test.for(valueCases)('$name(X$args) is $name(toString(X)$args)', ({ name, args }) => {
      const scope = bindings()
      const x = at(path)
      const direct = evaluate(`\${${name}(${x}${args})}`, scope)
      const viaString = evaluate(`\${${name}(toString(${x})${args})}`, scope)
      expect(direct).toEqual(viaString)
    })

    test('the empty operator: X has keys, so it is not empty', () => {
      expect(evaluate(`\${empty ${at(path)}}`, bindings())).toBe(keys.length === 0)
    })

    test('toString(X) is the object as a template prints it', () => {
      const scope = bindings()
      const text = evaluate(`\${toString(${at(path)})}`, scope)
      expect(text).toBe(Expression.parse(`\${${at(path)}}`, { expectedType: 'string' }).eval(scope))
      expect(text).not.toBe('')
    })
  })

  test("keyMatch(request.queryParams, '^be') on ?zeta=1&beta=2 is beta", () => {
    const scope = bindingsFor({ request: new Request({ uri: 'http://h/?zeta=1&beta=2' }) })
    expect(evaluate("${keyMatch(request.queryParams, '^be')}", scope)).toBe('beta')
    expect(evaluate("${request.queryParams[keyMatch(request.queryParams, '^be')][0]}", scope)).toBe(
      '2',
    )
  })

  test('the empty operator sees maps without keys as empty: headers, query parameters, sessions', () => {
    const scope = bindingsFor({ request: new Request({ uri: 'http://h/' }) })
    expect(evaluate('${empty request.headers}', scope)).toBe(true)
    expect(evaluate('${empty request.queryParams}', scope)).toBe(true)
    expect(evaluate('${empty session}', scope)).toBe(true)
    const full = bindingsFor({
      request: new Request({ uri: 'http://h/?a=1', headers: { A: '1' } }),
    })
    expect(evaluate('${empty request.headers}', full)).toBe(false)
    expect(evaluate('${empty request.queryParams}', full)).toBe(false)
  })

  test('header names keep the case they came with; containsKey and contains ignore it', () => {
    const scope = bindingsFor({ request: new Request({ headers: { 'X-Beta': '2' } }) })
    expect(evaluate("${keyMatch(request.headers, '^X-')}", scope)).toBe('X-Beta')
    expect(evaluate("${keyMatch(request.headers, '^x-')}", scope)).toBeNull()
    expect(evaluate("${contains(request.headers, 'x-beta')}", scope)).toBe(true)
    expect(evaluate("${request.headers.containsKey('x-beta')}", scope)).toBe(true)
  })

  test('remove() takes an entry out of headers and sessions', () => {
    const scope = bindingsFor({
      request: new Request({ headers: { zeta: '1', beta: '2' } }),
      session: session(new StoredSession()),
    })
    expect(evaluate("${request.headers.remove('beta')}", scope)).toEqual(['2'])
    expect(evaluate('${request.headers.keySet()}', scope)).toEqual(['zeta'])
    expect(evaluate("${session.remove('beta')}", scope)).toBe(2)
    expect(evaluate('${length(session)}', scope)).toBe(1)
  })

  test('env is a map too', () => {
    const scope = requestBindings(staticBindings({}), new RootContext(), new Request())
    expect(evaluate('${length(env)}', scope)).toBe(Object.keys(process.env).length)
  })

  test('objects that are not maps have no keys and no length', () => {
    const scope = bindingsFor({ request: new Request({ uri: 'http://h/?zeta=1' }) })
    expect(evaluate("${keyMatch(request, 'uri')}", scope)).toBeNull()
    expect(evaluate('${length(request)}', scope)).toBe(0)
    expect(evaluate('${length(request.entity)}', scope)).toBe(0)
    expect(evaluate("${contains(request, 'uri')}", scope)).toBe(false)
  })
})
