import { Readable } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { RequestError } from '../errors.js'
import { EL_GET, EL_SET } from '../expressions/protocol.js'
import { formatSetCookie, parseSetCookie, RequestCookies } from './cookies.js'
import { DEFAULT_ENTITY_LIMIT, Entity } from './entity.js'
import { Form } from './form.js'
import { Headers } from './headers.js'
import { Request } from './request.js'
import { Response } from './response.js'
import { Status } from './status.js'

describe('Headers', () => {
  test('are case-insensitive and multi-valued, and keep the first spelling', () => {
    const h = new Headers()
    h.append('X-User', 'a')
    h.append('x-user', 'b')
    expect(h.get('X-USER')).toBe('a')
    expect(h.getAll('x-user')).toEqual(['a', 'b'])
    expect(h.getJoined('x-User')).toBe('a, b')
    expect(h.names()).toEqual(['X-User'])
    expect(h.toRaw()).toEqual({ 'X-User': ['a', 'b'] })
  })

  test('build from node rawHeaders', () => {
    const h = Headers.fromRaw(['Host', 'h', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2'])
    expect(h.toJSON()).toEqual({ Host: ['h'], 'Set-Cookie': ['a=1', 'b=2'] })
  })

  test('set replaces, delete removes, empty lists remove', () => {
    const h = new Headers({ A: '1', B: ['2', '3'] })
    h.set('a', 'x')
    h.set('B', [])
    expect(h.toJSON()).toEqual({ a: ['x'] })
    expect(h.delete('A')).toBe(true)
    expect(h.size).toBe(0)
  })

  test('expressions read a list and assign values', () => {
    const h = new Headers({ 'Content-Type': 'text/plain' })
    expect(h[EL_GET]('content-type')).toEqual(['text/plain'])
    expect(h[EL_GET]('missing')).toBeUndefined()
    h[EL_SET]('X-A', ['1', 2])
    h[EL_SET]('content-type', null)
    expect(h.toJSON()).toEqual({ 'X-A': ['1', '2'] })
  })
})

describe('Form', () => {
  test.for([
    ['a=1&b=2&a=3', { a: ['1', '3'], b: ['2'] }],
    ['name=J%C3%BCrgen+M&empty=&flag', { name: ['Jürgen M'], empty: [''], flag: [''] }],
    ['', {}],
    ['&&a=1&', { a: ['1'] }],
  ] as const)('parses %j', ([text, expected]) => {
    expect(Form.parse(text).toJSON()).toEqual(expected)
  })

  test('a malformed escape is a 400', () => {
    expect(() => Form.parse('a=%E0%A4%A')).toThrow(RequestError)
    try {
      Form.parse('a=%zz')
    } catch (err) {
      expect((err as RequestError).status).toBe(400)
    }
  })

  test('formats with + for spaces and round-trips', () => {
    const form = Form.from({ q: 'a b&c', list: ['1', '2'] })
    expect(form.toString()).toBe('q=a+b%26c&list=1&list=2')
    expect(Form.parse(form.toString()).toJSON()).toEqual(form.toJSON())
  })
})

describe('cookies', () => {
  test('request cookies from every Cookie header, values as lists of cookies', () => {
    const cookies = RequestCookies.parse(['a=1; b="two"', 'a=3; $Path=/'])
    expect(cookies.get('a')).toEqual([
      { name: 'a', value: '1' },
      { name: 'a', value: '3' },
    ])
    expect(cookies.value('b')).toBe('two')
    expect(cookies[EL_GET]('a')).toEqual(cookies.get('a'))
    expect(cookies.has('$Path')).toBe(false)
  })

  test('Set-Cookie formats and parses every attribute', () => {
    const text = formatSetCookie('IG_SESSIONID', 'abc', {
      path: '/',
      domain: 'example.com',
      maxAge: 60,
      expires: new Date(0),
      secure: true,
      httpOnly: true,
      sameSite: 'Strict',
    })
    expect(text).toBe(
      'IG_SESSIONID=abc; Path=/; Domain=example.com; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Strict',
    )
    expect(parseSetCookie(text)).toEqual({
      name: 'IG_SESSIONID',
      value: 'abc',
      path: '/',
      domain: 'example.com',
      maxAge: 60,
      expires: new Date(0),
      secure: true,
      httpOnly: true,
      sameSite: 'Strict',
    })
    expect(parseSetCookie('no-equals')).toBeNull()
  })

  test('a request re-reads its cookies when the Cookie header changes', () => {
    const request = new Request({ headers: { Cookie: 'a=1' } })
    expect(request.cookies.value('a')).toBe('1')
    request.headers.set('Cookie', 'a=2')
    expect(request.cookies.value('a')).toBe('2')
  })
})

describe('Entity', () => {
  const streamOf = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)))

  test('streams through untouched until read, then reads again from memory', async () => {
    const entity = new Entity()
    const stream = streamOf('{"a":', '1}')
    entity.setStream(stream)
    expect(entity.isBuffered).toBe(false)
    expect(entity.body()).toBe(stream)
    expect(entity.string).toBeNull()
    expect(await entity.json()).toEqual({ a: 1 })
    expect(entity.isBuffered).toBe(true)
    expect(await entity.text()).toBe('{"a":1}')
    expect(entity[EL_GET]('json')).toEqual({ a: 1 })
    expect(entity[EL_GET]('string')).toBe('{"a":1}')
  })

  test('concurrent readers share one read', async () => {
    const entity = new Entity()
    entity.setStream(streamOf('x'.repeat(1000)))
    const [a, b] = await Promise.all([entity.bytes(), entity.text()])
    expect(a.length).toBe(1000)
    expect(b.length).toBe(1000)
  })

  test('a body over the limit is a 413 and the stream is destroyed', async () => {
    const entity = new Entity()
    const stream = streamOf('12345', '67890')
    entity.setStream(stream)
    await expect(entity.buffer({ limit: 8 })).rejects.toMatchObject({
      status: 413,
      code: 'ERR_POSTERN_REQUEST',
    })
    expect(stream.destroyed).toBe(true)
  })

  test("a response's body over the limit is the upstream's fault: 502, not 413", async () => {
    const response = new Response()
    response.entity.setStream(streamOf('12345', '67890'))
    await expect(response.entity.buffer({ limit: 8 })).rejects.toMatchObject({
      status: 502,
      code: 'ERR_POSTERN_REQUEST',
    })
    const request = new Request()
    request.entity.setStream(streamOf('12345', '67890'))
    await expect(request.entity.buffer({ limit: 8 })).rejects.toMatchObject({ status: 413 })
  })

  test("an entity's limit and form decoding come from its message's options, not a global", async () => {
    const strict = new Request({ entity: 'a=%zz' })
    await expect(strict.entity.form()).rejects.toMatchObject({ status: 400 })
    const lenient = new Request({
      entity: 'a=%zz',
      entityOptions: { limit: 4, lenientFormDecoding: true },
    })
    expect(lenient.entity.limit).toBe(4)
    expect(new Request().entity.limit).toBe(DEFAULT_ENTITY_LIMIT)
    expect((await lenient.entity.form()).get('a')).toEqual(['%zz'])
    const copy = lenient.copy()
    expect(copy.entity.options).toEqual({ limit: 4, lenientFormDecoding: true })
    const tooBig = new Request({ entityOptions: { limit: 4 } })
    tooBig.entity.setStream(streamOf('12345'))
    await expect(tooBig.entity.text()).rejects.toMatchObject({ status: 413 })
  })

  test('a declared length over the limit is refused before reading', async () => {
    const entity = new Entity()
    entity.setStream(streamOf('abc'), 100)
    await expect(entity.buffer({ limit: 10 })).rejects.toThrow(
      'entity of 100 bytes is over the limit of 10',
    )
  })

  test('malformed JSON is a 400; empty is null', async () => {
    const entity = new Entity()
    entity.setString('{nope')
    await expect(entity.json()).rejects.toMatchObject({ status: 400 })
    expect(entity.jsonValue).toBeNull()
    entity.setString('')
    expect(await entity.json()).toBeNull()
  })

  test('setting content keeps Content-Length in step and sets JSON/form content types', () => {
    const response = new Response()
    response.headers.set('Transfer-Encoding', 'chunked')
    response.entity.setJson({ ok: true })
    expect(response.headers.toJSON()).toEqual({
      'Content-Length': ['11'],
      'Content-Type': ['application/json; charset=UTF-8'],
    })
    const request = new Request({ method: 'POST' })
    request.entity.setForm(Form.from({ a: 'b c' }))
    expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(request.headers.get('content-length')).toBe('5')
  })

  test('discard drains an unread stream and leaves an empty entity', async () => {
    const entity = new Entity()
    const stream = streamOf('abc')
    entity.setStream(stream)
    await entity.discard()
    await new Promise((resolve) => stream.once('end', resolve))
    expect(stream.readableEnded).toBe(true)
    expect(entity.isEmpty).toBe(true)
  })

  test('discard dumps an undici-style body', async () => {
    let dumped = false
    const entity = new Entity()
    entity.setStream(Object.assign(streamOf('x'), { dump: async () => void (dumped = true) }))
    await entity.discard()
    expect(dumped).toBe(true)
  })

  test('form reads the body as a form', async () => {
    const request = new Request({ method: 'POST', entity: 'answer=43&x=y' })
    expect((await request.entity.form()).getFirst('answer')).toBe('43')
    expect((request.entity[EL_GET]('form') as Form).get('x')).toEqual(['y'])
  })
})

describe('Request and Response', () => {
  test('a request has a full URI, query parameters as a copy', () => {
    const request = new Request({ method: 'PUT', uri: 'http://h:8080/p?a=1&a=2' })
    expect(request.queryParams.get('a')).toEqual(['1', '2'])
    request.queryParams.set('a', ['changed'])
    expect(request.uri.rawQuery).toBe('a=1&a=2')
  })

  test('copy copies headers and shares buffered content', async () => {
    const request = new Request({
      method: 'POST',
      uri: 'http://h/',
      headers: { A: '1' },
      entity: 'body',
    })
    const copy = request.copy()
    copy.headers.set('A', '2')
    expect(request.headers.get('A')).toBe('1')
    expect(await copy.entity.text()).toBe('body')
  })

  test('status families and reason phrases', () => {
    expect(Status.valueOf(404)).toBe(Status.NOT_FOUND)
    expect(Status.valueOf(404).reasonPhrase).toBe('Not Found')
    expect(Status.valueOf(502).isServerError).toBe(true)
    expect(Status.valueOf(302).family).toBe('REDIRECTION')
    expect(Status.valueOf(299, 'Custom').reasonPhrase).toBe('Custom')
    expect(Status.valueOf(700).family).toBe('UNKNOWN')
    expect(() => Status.valueOf(42)).toThrow(TypeError)
    expect(Response.of(401).status.isClientError).toBe(true)
  })
})
