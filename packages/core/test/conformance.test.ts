import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import {
  AttributesContext,
  evaluateJson,
  Expression,
  Pattern,
  PatternTemplate,
  Request,
  Response,
  RootContext,
  SessionContext,
  staticBindings,
  TransientSession,
  type ExpectedType,
} from '../src/index.js'
import { parseDurationNs } from '../src/util/duration.js'
import { compareRouteIds } from '../src/util/route-order.js'
import { ensureTrailingSlash, slug } from '../src/util/slug.js'
import { loadSkips, loadVectors, vectorKey, type Vector } from './vectors.js'

const vectors = loadVectors()
const skips = new Map(loadSkips().map((s) => [vectorKey(s), s.reason]))

const AS_TYPE: Record<string, ExpectedType> = {
  boolean: 'boolean',
  integer: 'integer',
  long: 'integer',
  string: 'string',
  object: 'any',
  'string[]': 'string[]',
  instant: 'any',
}

type Raw = Record<string, unknown>

function toRequest(raw: Raw): Request {
  const request = new Request({
    method: (raw.method as string | undefined) ?? 'GET',
    uri: (raw.uri as string | undefined) ?? 'http://localhost/',
    headers: (raw.headers as Record<string, string[]> | undefined) ?? {},
  })
  if (typeof raw.entity === 'string') request.entity.setString(raw.entity)
  return request
}

function toResponse(raw: Raw): Response {
  return new Response({
    status: (raw.status as number | undefined) ?? 200,
    headers: (raw.headers as Record<string, string[]>) ?? {},
  })
}

/** Turns the vectors' plain bindings into what the gateway binds: messages, contexts, session. */
function bindingsOf(raw: Raw): Raw {
  // what the gateway's static bindings hold: -D properties (user.home from Node) and the environment
  const out: Raw = Object.create(
    staticBindings({ system: { 'user.home': homedir() }, env: process.env }),
  ) as Raw
  for (const [name, value] of Object.entries(raw)) {
    if (name === '$initial' || name === '$files') continue
    if (name === 'request') out.request = toRequest(value as Raw)
    else if (name === 'response') out.response = toResponse(value as Raw)
    else if (name === 'contexts') {
      const contexts = value as Raw
      let context: RootContext | AttributesContext | SessionContext = new RootContext()
      const attributes = new AttributesContext(context)
      Object.assign(attributes.attributes, (contexts.attributes as Raw | undefined) ?? {})
      context = attributes
      const session = new TransientSession(
        Object.entries((contexts.session as Raw | undefined) ?? {}),
      )
      context = new SessionContext(context, session)
      out.context = context
      out.contexts = context.contexts
      out.attributes = attributes.attributes
      out.session = session
    } else if (typeof value === 'object' && value !== null && '$file' in value) {
      out[name] = { path: (value as { $file: string }).$file }
    } else out[name] = value
  }
  return out
}

function checkExpected(actual: unknown, expected: unknown): void {
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    const e = expected as Raw
    if ('$notNull' in e) return void expect(actual).not.toBeNull()
    if ('$gt' in e) return void expect(actual as number).toBeGreaterThan(e.$gt as number)
    if ('$fileUrlOf' in e)
      return void expect(actual).toBe(pathToFileURL(resolve(e.$fileUrlOf as string)).toString())
  }
  expect(actual).toEqual(expected)
}

function withFiles<T>(files: Record<string, string> | undefined, run: () => T): T {
  if (!files) return run()
  const dir = mkdtempSync(join(tmpdir(), 'postern-vectors-'))
  const cwd = process.cwd()
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
    process.chdir(dir)
    return run()
  } finally {
    process.chdir(cwd)
    rmSync(dir, { recursive: true, force: true })
  }
}

function run(v: Vector): void {
  const raw = v.bindings ?? {}
  switch (v.kind) {
    case 'expression':
    case 'function': {
      const expectedType = AS_TYPE[v.as_type ?? 'object'] ?? 'any'
      const initial = raw.$initial as Raw | undefined
      const expected = v.expected as Raw
      if (typeof expected === 'object' && expected !== null && '$error' in expected) {
        expect(() =>
          Expression.parse(v.input as string, { expectedType }).eval(bindingsOf(raw)),
        ).toThrow()
        return
      }
      const result = withFiles(raw.$files as Record<string, string> | undefined, () =>
        Expression.parse(v.input as string, {
          expectedType,
          ...(initial ? { bindings: initial } : {}),
        }).eval(bindingsOf(raw)),
      )
      const actual = Buffer.isBuffer(result) ? [...result] : result
      checkExpected(actual, v.expected)
      if (initial) expect(raw.$initial).toEqual(initial) // neither side is mutated
      return
    }
    case 'config-eval':
      return checkExpected(evaluateJson(v.input, bindingsOf(raw)), v.expected)
    case 'left-value': {
      const { target, value } = v.input as { target: string; value: unknown }
      const { read, value: expectedValue } = v.expected as { read: string; value: unknown }
      const bindings = bindingsOf(raw)
      if (!bindings.request && JSON.stringify(raw).includes('request'))
        bindings.request = new Request()
      Expression.parse(target).assign(bindings, value)
      return checkExpected(Expression.parse(read).eval(bindings), expectedValue)
    }
    case 'expression-roundtrip': {
      const once = Expression.parse(v.input as string).toString()
      return void expect(Expression.parse(once).toString()).toBe(once)
    }
    case 'pattern-template': {
      const { template, pattern, subject } = v.input as {
        template: string
        pattern: string
        subject: string
      }
      const match = Pattern.compile(pattern).matches(subject)
      expect(match).not.toBeNull()
      return checkExpected(PatternTemplate.parse(template).fill(match!), v.expected)
    }
    case 'duration': {
      const expected = v.expected as Raw
      if ('$error' in expected)
        return void expect(() => parseDurationNs(v.input as string)).toThrow()
      const ns = parseDurationNs(v.input as string)
      return void expect(ns === 'unlimited' ? { $unlimited: true } : { ns: Number(ns) }).toEqual(
        expected,
      )
    }
    case 'slug':
      return void expect(slug(v.input as string | null)).toBe(v.expected)
    case 'trailing-slash':
      return void expect(ensureTrailingSlash(v.input as string | null)).toBe(v.expected)
    case 'route-order': {
      const { first, second } = v.input as { first: string; second: string }
      return void expect(Math.sign(compareRouteIds(first, second))).toBe(v.expected)
    }
    default:
      throw new Error(`no runner for vector kind ${v.kind}`)
  }
}

const runnable = vectors

describe('OpenIG conformance vectors', () => {
  test.for(runnable.map((v, i) => ({ ...v, i })))('$kind #$i: $input', (v) => {
    const reason = skips.get(vectorKey(v))
    if (reason !== undefined) {
      // A listed vector must still fail: the skip list stays honest.
      let passed = true
      try {
        run(v)
      } catch {
        passed = false
      }
      expect(passed, `listed as skipped (${reason}) but passes now`).toBe(false)
      return
    }
    run(v)
  })

  test('the skip list names only vectors that exist', () => {
    const keys = new Set(vectors.map(vectorKey))
    for (const key of skips.keys()) expect(keys.has(key), key).toBe(true)
  })
})
