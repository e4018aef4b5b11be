// Test-only heap types, after the domain types of OpenIG's heap tests (Book, PrefixBookDecorator...).
import {
  definePlugin,
  Kinds,
  referenceKind,
  Duration,
  Expr,
  heaplet,
  Ref,
  StringEnum,
  Type,
  TypeRegistry,
  type Decorator,
  type Expression,
  type Handler,
} from '../src/index.js'
import { Response } from '../src/messages/index.js'

export class HeapObject {
  constructor(readonly message: string) {}
}
export class Book {
  constructor(public title: string) {}
}
/** A decorator that wraps a Book's title: `"make-title": "h1"` → `<h1>title</h1>`. */
export class TitleDecorator implements Decorator {
  decorate(object: unknown, config: unknown): unknown {
    if (object instanceof Book)
      return new Book(`<${String(config)}>${object.title}</${String(config)}>`)
    if (object instanceof HelloHandler)
      return new HelloHandler(`<${String(config)}>${object.text}</${String(config)}>`)
    return object
  }
}
export class AffixDecorator implements Decorator {
  constructor(
    readonly affix: string,
    readonly prefix: boolean,
  ) {}
  decorate(object: unknown, config: unknown): unknown {
    if (!(object instanceof Book) || config === false) return object
    return new Book(this.prefix ? `${this.affix}${object.title}` : `${object.title}${this.affix}`)
  }
}
export class HelloHandler implements Handler {
  constructor(readonly text: string) {}
  async handle(_context?: unknown, _request?: unknown): Promise<Response> {
    return new Response({ status: 200, entity: this.text })
  }
}

export const destroyed: string[] = []

const testPlugin = definePlugin({
  name: 'test-heap-types',
  version: '1.0.0',
  core: '^1.0.0',
  types: {
    HeapObject: heaplet({
      schema: Type.Object({ message: Type.String() }, { additionalProperties: false }),
      create: ({ message }) => new HeapObject(message),
    }),
    Reference: heaplet({
      schema: Type.Object({
        'object-ref': Ref(
          referenceKind('HeapObject', (v): v is HeapObject => v instanceof HeapObject),
        ),
      }),
      create: (config) => config['object-ref'],
    }),
    TheOne: heaplet({
      schema: Type.Object({ 'matrix-ref': Ref(Kinds.Any) }),
      create: (config) => ({ matrix: config['matrix-ref'] }),
    }),
    Matrix: heaplet({
      schema: Type.Object({ 'architect-ref': Ref(Kinds.Any) }),
      create: (config) => ({ architect: config['architect-ref'] }),
    }),
    Architect: heaplet({
      schema: Type.Object({ 'pretty-name': Type.String() }),
      create: (config) => ({ name: config['pretty-name'] }),
    }),
    UseListOfReferences: heaplet({
      schema: Type.Object({ 'list-ref': Type.Array(Ref(Kinds.Any)) }),
      create: (config) => ({ list: config['list-ref'] }),
    }),
    ReferencedObject: heaplet({
      schema: Type.Object({ name: Type.Optional(Type.String()) }),
      create: (config, env) => ({ name: config.name ?? null, heapName: env.name }),
    }),
    Book: heaplet({
      schema: Type.Object({ title: Type.String() }),
      create: ({ title }, env) => {
        env.onDestroy(() => void destroyed.push(title))
        return new Book(title)
      },
    }),
    TitleDecorator: heaplet({ schema: Type.Object({}), create: () => new TitleDecorator() }),
    PrefixBookDecorator: heaplet({
      schema: Type.Object({ prefix: Type.String({ default: '' }) }),
      create: ({ prefix }) => new AffixDecorator(prefix, true),
    }),
    SuffixBookDecorator: heaplet({
      schema: Type.Object({ suffix: Type.String({ default: '' }) }),
      create: ({ suffix }) => new AffixDecorator(suffix, false),
    }),
    Hello: heaplet({
      schema: Type.Object({ text: Type.String() }),
      create: ({ text }) => new HelloHandler(text),
    }),
    Settings: heaplet({
      schema: Type.Object(
        {
          mode: StringEnum(['REQUEST', 'RESPONSE']),
          count: Type.Integer({ default: 3 }),
          enabled: Type.Boolean({ default: true }),
          timeout: Duration({ default: '10 seconds' }),
          greeting: Expr(Type.String()),
          check: Type.Optional(Expr(Type.Boolean())),
          handler: Type.Optional(Ref(Kinds.Handler)),
          url: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      create: (config) => config,
    }),
  },
})

export type SettingsObject = {
  mode: string
  count: number
  enabled: boolean
  timeout: number
  greeting: Expression<string>
  check?: Expression<boolean>
  handler?: Handler
  url?: string
}

export function testRegistry(): TypeRegistry {
  const registry = new TypeRegistry('1.0.0')
  registry.register(testPlugin)
  return registry
}
