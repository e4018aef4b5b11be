import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import {
  ConfigError,
  ConfigErrors,
  Heap,
  Kinds,
  RootContext,
  staticBindings,
  Duration,
  Type,
  type Handler,
  type Logger,
} from '../src/index.js'
import { Request } from '../src/messages/index.js'
import {
  AffixDecorator,
  Book,
  destroyed,
  HeapObject,
  HelloHandler,
  TitleDecorator,
  testRegistry,
  type SettingsObject,
} from './heap-types.js'

const sharedDir =
  process.env.POSTERN_SHARED_DIR ?? new URL('../../../../shared/', import.meta.url).pathname
function fixture(name: string): Record<string, unknown> {
  const file = `${sharedDir}/conformance/openig-routes/heap-fixtures/${name}.json`
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
}

function rootHeap(source = 'config/config.json'): Heap {
  const heap = new Heap({
    registry: testRegistry(),
    source,
    bindings: staticBindings({ env: {}, properties: { who: 'world' } }),
  })
  heap.put('make-title', new TitleDecorator())
  return heap
}

function loadDoc(heap: Heap, doc: Record<string, unknown>): Heap {
  heap.declare(doc.heap)
  heap.setGlobalDecorators(doc.globalDecorators)
  return heap
}

async function configErrors(promise: Promise<unknown>): Promise<ConfigError[]> {
  try {
    await promise
  } catch (err) {
    if (err instanceof ConfigErrors) return [...err.errors]
    if (err instanceof ConfigError) return [err]
    throw err
  }
  throw new Error('expected a configuration error')
}

function errorsOf(fn: () => void): ConfigError[] {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigErrors) return [...err.errors]
    if (err instanceof ConfigError) return [err]
    throw err
  }
  throw new Error('expected a configuration error')
}

describe('heap objects (OpenIG heap fixtures)', () => {
  test('creates a declared object from its config (heap-object-creation)', async () => {
    const heap = loadDoc(rootHeap(), fixture('heap__heap-object-creation'))
    expect(await heap.get<HeapObject>('heap-object')).toEqual(new HeapObject('parent'))
  })

  test('resolves references by name and inline declarations (heap-inline-declaration)', async () => {
    const heap = loadDoc(rootHeap(), fixture('heap__heap-inline-declaration'))
    await heap.createAll()
    const byName = await heap.get<HeapObject>('use-normal-ref')
    expect(byName).toBe(await heap.get('heap-object'))
    expect(byName.message).toBe('referenced')
    expect((await heap.get<HeapObject>('use-inline-ref')).message).toBe('inlined')
  })

  test('builds nested inline declarations (heap-encapsulated-declaration)', async () => {
    const heap = loadDoc(rootHeap(), fixture('heap__heap-encapsulated-declaration'))
    expect(await heap.get('neo')).toEqual({
      matrix: { architect: { name: 'The Great Architect' } },
    })
  })

  test('resolves inline declarations inside lists (heap-listed-inline-declaration)', async () => {
    const heap = loadDoc(rootHeap(), fixture('heap__heap-listed-inline-declaration'))
    const top = await heap.get<{ list: { name: string | null; heapName: string }[] }>('top-level')
    expect(top.list.map((o) => o.name)).toEqual([null, 'buried-down-object'])
    expect(top.list[0]!.heapName).toBe(
      '{org.forgerock.openig.heap.domain.ReferencedObject}/heap/0/config/list-ref/0',
    )
  })

  test('an empty heap is valid (heap-with-no-objects)', async () => {
    const heap = loadDoc(rootHeap(), fixture('heap__heap-with-no-objects'))
    await heap.createAll()
    expect(heap.names()).toEqual(['make-title'])
  })

  test.for([
    [
      'heap__heap-object-without-config-attribute',
      'config/config.json#/heap/0/config/message: org.forgerock.openig.heap.HeapObject "heap-object": is required',
    ],
    [
      'heap__heap-object-with-empty-config-attribute',
      'config/config.json#/heap/0/config/message: org.forgerock.openig.heap.HeapObject "heap-object": is required',
    ],
    [
      'heap__heap-object-with-null-config-attribute',
      'config/config.json#/heap/0/config/message: org.forgerock.openig.heap.HeapObject "heap-object": is required',
    ],
    [
      'heap__heap-object-with-invalid-config-attribute',
      'config/config.json#/heap/0/config: org.forgerock.openig.heap.HeapObject "heap-object": must be object',
    ],
  ] as const)('%s is refused with the pointer of the bad property', async ([name, message]) => {
    const doc = fixture(name)
    const heap = loadDoc(rootHeap(), doc)
    const errors = await configErrors(heap.createAll())
    expect(errors.map((e) => e.message)).toEqual([message])
  })
})

describe('references and parent heaps', () => {
  test('a child heap finds objects of its parent, and shadows them with its own', async () => {
    const parent = rootHeap()
    parent.declare([{ name: 'shared', type: 'HeapObject', config: { message: 'from parent' } }])
    const child = parent.child({ source: 'config/routes/10-child.json' })
    child.declare([{ name: 'own', type: 'Reference', config: { 'object-ref': 'shared' } }])
    expect((await child.get<HeapObject>('own')).message).toBe('from parent')
    expect(await child.get('shared')).toBe(await parent.get('shared'))

    const shadowing = parent.child({ source: 'config/routes/20-shadow.json' })
    shadowing.declare([{ name: 'shared', type: 'HeapObject', config: { message: 'from child' } }])
    expect((await shadowing.get<HeapObject>('shared')).message).toBe('from child')
  })

  test('a reference may come from a configuration expression', async () => {
    const heap = rootHeap()
    heap.declare([
      { name: 'target', type: 'HeapObject', config: { message: 'found' } },
      { name: 'ref', type: 'Reference', config: { 'object-ref': "${'tar'.concat('get')}" } },
    ])
    expect((await heap.get<HeapObject>('ref')).message).toBe('found')
  })

  test('a missing reference names the file, the object and the pointer', async () => {
    const heap = rootHeap('config/routes/10-api.json')
    heap.declare([{ name: 'ref', type: 'Reference', config: { 'object-ref': 'nowhere' } }])
    const [error] = await configErrors(heap.get('ref'))
    expect(error!.message).toBe(
      'config/routes/10-api.json#/heap/0/config/object-ref: no heap object named "nowhere"',
    )
    expect(error!.pointer).toBe('/heap/0/config/object-ref')
  })

  test('a reference of the wrong kind is refused', async () => {
    const heap = rootHeap()
    heap.declare([
      { name: 'book', type: 'Book', config: { title: 'Dune' } },
      {
        name: 'settings',
        type: 'Settings',
        config: { mode: 'REQUEST', greeting: 'hi', handler: 'book' },
      },
    ])
    const [error] = await configErrors(heap.get('settings'))
    expect(error!.reason).toBe('heap object "book" is not a Handler')
    expect(error!.pointer).toBe('/heap/1/config/handler')
  })

  test('circular references are reported, not looped over', async () => {
    const heap = rootHeap()
    heap.declare([{ name: 'a', type: 'Reference', config: { 'object-ref': 'a' } }])
    const errors = await configErrors(heap.get('a'))
    expect(errors[0]!.reason).toBe('circular reference between heap objects')
  })

  test('default objects are made only when referenced, and a declaration overrides them', async () => {
    const heap = rootHeap()
    heap.declare(
      [{ name: 'Default', type: 'HeapObject', config: { message: 'default' } }],
      '/defaults',
      { lazy: true, source: '(defaults)' },
    )
    heap.declare([{ name: 'broken-default', type: 'HeapObject', config: {} }], '/defaults', {
      lazy: true,
      source: '(defaults)',
    })
    await heap.createAll() // the broken default is never made
    expect((await heap.get<HeapObject>('Default')).message).toBe('default')
    const override = rootHeap()
    override.declare(
      [{ name: 'Default', type: 'HeapObject', config: { message: 'default' } }],
      '/defaults',
      { lazy: true },
    )
    override.declare([{ name: 'Default', type: 'HeapObject', config: { message: 'mine' } }])
    expect((await override.get<HeapObject>('Default')).message).toBe('mine')
  })

  test('objects are destroyed in reverse order of creation', async () => {
    destroyed.length = 0
    const heap = rootHeap()
    heap.declare([
      { name: 'first', type: 'Book', config: { title: 'one' } },
      { name: 'second', type: 'Book', config: { title: 'two' } },
      { name: 'third', type: 'Book', config: { title: 'three' } },
    ])
    await heap.createAll()
    await heap.destroy()
    expect(destroyed).toEqual(['three', 'two', 'one'])
  })
})

describe('declarations', () => {
  test('reports every bad declaration of a heap at once', () => {
    const heap = rootHeap('config/routes/bad.json')
    const errors = errorsOf(() =>
      heap.declare([
        { type: 'HeapObject' },
        { name: 'x', type: 'NoSuchType' },
        { name: 'y', type: 'HeapObject', config: { message: 'a' } },
        { name: 'y', type: 'HeapObject', config: { message: 'b' } },
        'nonsense',
      ]),
    )
    expect(errors.map((e) => e.message)).toEqual([
      'config/routes/bad.json#/heap/0/name: is required and must be a string',
      'config/routes/bad.json#/heap/1/type: NoSuchType "x": unknown type NoSuchType: no plugin registers it',
      'config/routes/bad.json#/heap/3/name: HeapObject "y": duplicate heap object name, also declared at /heap/2',
      'config/routes/bad.json#/heap/4: must be an object with name, type and config',
    ])
  })

  test('an inline declaration of an unknown type names that type', async () => {
    const heap = rootHeap('config/routes/x.json')
    const [error] = await configErrors(
      heap.resolve({ type: 'OAuth2ClientFilter', config: {} }, '/handler'),
    )
    expect(error!.message).toBe(
      'config/routes/x.json#/handler/type: OAuth2ClientFilter "{OAuth2ClientFilter}/handler": unknown type OAuth2ClientFilter: no plugin registers it',
    )
  })

  test('the heap array must be an array', () => {
    const errors = errorsOf(() => rootHeap().declare({ name: 'x' }))
    expect(errors[0]!.message).toBe('config/config.json#/heap: must be an array of heap objects')
  })
})

describe('config conversion', () => {
  test('applies defaults, parses durations, expressions and references', async () => {
    const heap = rootHeap()
    heap.declare([
      { name: 'hello', type: 'Hello', config: { text: 'hi' } },
      {
        name: 's',
        type: 'Settings',
        config: {
          mode: 'RESPONSE',
          greeting: 'Hello ${who}',
          check: '${1 == 1}',
          handler: 'hello',
          timeout: '1 hour 5 min',
        },
      },
    ])
    const s = await heap.get<SettingsObject>('s')
    expect(s.count).toBe(3)
    expect(s.enabled).toBe(true)
    expect(s.timeout).toBe(3_900_000)
    expect(s.greeting.eval({ who: 'you' })).toBe('Hello you')
    expect(s.check!.eval({})).toBe(true)
    expect(s.handler).toBeInstanceOf(HelloHandler)
  })

  test('configuration expressions in plain properties are evaluated at load with route properties', async () => {
    const heap = rootHeap()
    heap.declare([
      {
        name: 's',
        type: 'Settings',
        config: {
          mode: 'REQUEST',
          greeting: 'x',
          url: 'http://${who}.example.com',
          count: '${2 + 3}',
        },
      },
    ])
    const s = await heap.get<SettingsObject>('s')
    expect(s.url).toBe('http://world.example.com')
    expect(s.count).toBe(5)
  })

  test('strings holding a boolean or a number are read as one, as IG reads "enabled": "true"', async () => {
    const heap = rootHeap()
    heap.declare([
      {
        name: 's',
        type: 'Settings',
        config: { mode: 'REQUEST', greeting: 'x', count: ' 7 ', enabled: 'FALSE' },
      },
      {
        name: 'bad',
        type: 'Settings',
        config: { mode: 'REQUEST', greeting: 'x', count: '7 apples' },
      },
    ])
    const s = await heap.get<SettingsObject>('s')
    expect(s.count).toBe(7)
    expect(s.enabled).toBe(false)
    const [error] = await configErrors(heap.get('bad'))
    expect(error!.pointer).toBe('/heap/1/config/count')
  })

  test('configure reads a configuration that is not a heap object by the same rules', async () => {
    const heap = rootHeap('config/admin.json')
    const schema = Type.Object(
      {
        greeting: Type.String({ default: 'hi' }),
        who: Type.String(),
        every: Duration({ default: '5 seconds' }),
        count: Type.Integer(),
      },
      { additionalProperties: false },
    )
    const read = await heap.configure(
      schema,
      { who: '${who}', count: '4' },
      'config/admin.json',
      '/x',
    )
    expect(read).toEqual({ greeting: 'hi', who: 'world', every: 5000, count: 4 })
    const failure = await heap
      .configure(schema, { who: 'a', count: 'many' }, 'config/admin.json', '/x')
      .catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(ConfigErrors)
    expect((failure as ConfigErrors).message).toBe('config/admin.json#/x/count: must be integer')
  })

  test('reports every schema problem with its pointer, and the enum values', async () => {
    const heap = rootHeap('config/routes/10-api.json')
    heap.declare([
      {
        name: 'AddUserId',
        type: 'Settings',
        config: { mode: 'BOTH', count: 'many', timeout: '3 fortnights' },
      },
    ])
    const errors = await configErrors(heap.get('AddUserId'))
    expect(errors.map((e) => e.message).sort()).toEqual([
      'config/routes/10-api.json#/heap/0/config/count: Settings "AddUserId": must be integer',
      'config/routes/10-api.json#/heap/0/config/greeting: Settings "AddUserId": is required',
      'config/routes/10-api.json#/heap/0/config/mode: Settings "AddUserId": must be one of REQUEST, RESPONSE',
    ])
  })

  test('a bad duration is reported at its pointer', async () => {
    const heap = rootHeap('config/routes/10-api.json')
    heap.declare([
      {
        name: 's',
        type: 'Settings',
        config: { mode: 'REQUEST', greeting: 'x', timeout: '3 fortnights' },
      },
    ])
    const [error] = await configErrors(heap.get('s'))
    expect(error!.pointer).toBe('/heap/0/config/timeout')
  })

  test('an expression syntax error is a config error with its column', async () => {
    const heap = rootHeap('config/routes/10-api.json')
    heap.declare([
      {
        name: 's',
        type: 'Settings',
        config: { mode: 'REQUEST', greeting: '${request.method ==}' },
      },
    ])
    const [error] = await configErrors(heap.get('s'))
    expect(error!.pointer).toBe('/heap/0/config/greeting')
    expect(error!.reason).toMatch(/^expression syntax error at column \d+: /)
  })

  test('unknown properties are ignored with a warning', async () => {
    const warnings: unknown[] = []
    const logger: Logger = {
      level: 'warn',
      isLevelEnabled: () => true,
      child: () => logger,
      fatal: () => {},
      error: () => {},
      warn: (obj) => void warnings.push(obj),
      info: () => {},
      debug: () => {},
      trace: () => {},
    }
    const heap = new Heap({ registry: testRegistry(), source: 'config/routes/w.json', logger })
    heap.declare([
      { name: 'o', type: 'HeapObject', config: { message: 'm', colour: 'blue', comment: 'fine' } },
    ])
    expect(await heap.get('o')).toEqual(new HeapObject('m'))
    expect(warnings).toEqual([
      {
        source: 'config/routes/w.json',
        pointer: '/heap/0/config/colour',
        object: 'o',
        type: 'HeapObject',
      },
    ])
  })
})

describe('decorators', () => {
  const book = (name: string, title: string, extra: Record<string, unknown> = {}) => ({
    name,
    type: 'Book',
    config: { title },
    ...extra,
  })

  test('decorates an object with its top-level decorator attributes, in order', async () => {
    const heap = rootHeap()
    heap.declare([
      { name: 'prefix', type: 'PrefixBookDecorator', config: { prefix: '[' } },
      { name: 'suffix', type: 'SuffixBookDecorator', config: { suffix: ']' } },
      book('b', 'Dune', { prefix: true, suffix: true, 'make-title': 'em' }),
    ])
    expect((await heap.get<Book>('b')).title).toBe('<em>[Dune]</em>')
  })

  test('a decorator can decline (its own config says so)', async () => {
    const heap = rootHeap()
    heap.declare([
      { name: 'prefix', type: 'PrefixBookDecorator', config: { prefix: '[' } },
      book('b', 'Dune', { prefix: false }),
    ])
    expect((await heap.get<Book>('b')).title).toBe('Dune')
  })

  test('local decorations come first, then global ones of this heap, then those of the parent heaps (decorate-object-in-order-with-inheritance)', async () => {
    const parent = loadDoc(rootHeap(), { globalDecorators: { 'make-title': 'h2' } })
    const childDoc = fixture('decoration__decorate-object-in-order-with-inheritance-parent') // heap with h0 local, h1 global
    const child = loadDoc(parent.child({ source: 'config/routes/child.json' }), {
      heap: [{ name: 'b', type: 'Book', 'make-title': 'h0', config: { title: 'Hello World' } }],
      globalDecorators: childDoc.globalDecorators,
    })
    expect((await child.get<Book>('b')).title).toBe('<h2><h1><h0>Hello World</h0></h1></h2>')
  })

  test("an object of the parent heap used in a child is decorated with the child's global decorators too", async () => {
    const parent = rootHeap()
    parent.declare([book('b', 'Dune')])
    const child = loadDoc(parent.child({ source: 'config/routes/child.json' }), {
      globalDecorators: { 'make-title': 'i' },
    })
    expect((await child.get<Book>('b')).title).toBe('<i>Dune</i>')
    expect((await parent.get<Book>('b')).title).toBe('Dune')
  })

  test('decorators are not decorated (heap-decorators-are-not-decoratable)', async () => {
    const heap = rootHeap()
    heap.declare([{ name: 'deco', type: 'PrefixBookDecorator', config: { prefix: '>' } }])
    heap.setGlobalDecorators({ deco: true })
    expect(await heap.get('deco')).toBeInstanceOf(AffixDecorator)
    heap.declare([book('b', 'Dune')])
    expect((await heap.get<Book>('b')).title).toBe('>Dune')
  })

  test('decorates a route handler with route attributes (decorate-top-level-reference-with-local-and-global-decorators)', async () => {
    const doc = fixture('decoration__decorate-top-level-reference-with-local-and-global-decorators')
    const heap = loadDoc(rootHeap('config/routes/r.json'), doc)
    const handlerDecl = doc.handler as Record<string, unknown>
    const handler = await heap.resolve<Handler>(
      { ...handlerDecl, type: 'Hello', config: { text: 'Hello World' } },
      '/handler',
      Kinds.Handler,
    )
    const decorated = (await heap.decorate(
      handler,
      { 'make-title': doc['make-title'] },
      { name: 'route', type: 'Route', source: 'config/routes/r.json', pointer: '' },
    )) as HelloHandler
    expect(decorated.text).toBe('<h3><h2><h1>Hello World</h1></h2></h3>')
    const response = await decorated.handle(new RootContext(), new Request())
    expect(await response.entity.text()).toBe('<h3><h2><h1>Hello World</h1></h2></h3>')
  })

  test('an unknown decorator name is a config error at the attribute', async () => {
    const heap = rootHeap('config/routes/r.json')
    heap.declare([book('b', 'Dune', { sparkle: true })])
    const [error] = await configErrors(heap.get('b'))
    expect(error!.message).toBe(
      'config/routes/r.json#/heap/0/sparkle: Book "b": no decorator named "sparkle"',
    )
  })
})
