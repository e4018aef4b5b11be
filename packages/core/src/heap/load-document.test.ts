import { Type } from '@sinclair/typebox'
import { describe, expect, test } from 'vitest'
import { ConfigErrors } from '../errors.js'
import { silentLogger } from '../logger.js'
import { definePlugin } from '../plugin.js'
import { MapResolver } from '../tokens/index.js'
import { heaplet } from './heaplet.js'
import { loadDocument } from './load-document.js'
import { TypeRegistry } from './registry.js'

const registry = new TypeRegistry('1.0.0')
registry.register(
  definePlugin({
    name: 'load-document-test',
    version: '1.0.0',
    core: '^1.0.0',
    types: {
      Text: heaplet({ schema: Type.Object({ text: Type.String() }), create: ({ text }) => text }),
    },
  }),
)
const logger = () => silentLogger

/** config.json's level: tokens of the environment, no bindings. */
function top(json: unknown) {
  const tokens = new MapResolver(new Map([['env.host', 'app.example.com']]), 'env')
  return loadDocument({
    source: 'config/config.json',
    json,
    registry,
    tokens,
    bindings: {},
    logger,
  })
}

describe('loadDocument', () => {
  test('properties are resolved with the enclosing tokens, then serve as tokens and bindings', async () => {
    const { heap, config } = top({
      properties: { host: '&{env.host}', url: 'https://${host}/' },
      heap: [{ name: 'where', type: 'Text', config: { text: '&{host} ${url}' } }],
      handler: '&{host}',
    })
    expect(config).toEqual({
      heap: [{ name: 'where', type: 'Text', config: { text: 'app.example.com ${url}' } }],
      handler: 'app.example.com',
    })
    expect(await heap.get('where')).toBe('app.example.com https://app.example.com/')
  })

  test('a document below a heap inherits its tokens and bindings: no side table', () => {
    const parent = top({ properties: { greeting: 'hello' } }).heap
    const route = loadDocument({
      source: 'config/routes/10-r.json',
      json: { properties: { who: 'world' }, name: '&{greeting} &{who}' },
      parent,
      logger,
    })
    expect(route.config.name).toBe('hello world')
    expect(route.heap.parent).toBe(parent)
    expect(route.heap.tokens?.resolve('env.host')).toBe('app.example.com')
    expect(route.heap.bindings.greeting).toBe('hello')
  })

  test('every problem is a ConfigErrors naming the file and the JSON pointer', () => {
    const errorsOf = (json: unknown) => {
      try {
        top(json)
      } catch (err) {
        if (err instanceof ConfigErrors) return err.errors.map((e) => `${e.source}#${e.pointer}`)
        throw err
      }
      return []
    }
    expect(errorsOf([])).toEqual(['config/config.json#'])
    expect(errorsOf({ properties: { a: '&{nope}' } })).toEqual(['config/config.json#/properties/a'])
    expect(errorsOf({ heap: [{ name: 'x', config: { text: '&{nope}' } }] })).toEqual([
      'config/config.json#/heap/0/config/text',
    ])
    expect(errorsOf({ heap: [{ name: 'x' }] })).toEqual(['config/config.json#/heap/0/type'])
    expect(errorsOf({ globalDecorators: [] })).toEqual(['config/config.json#/globalDecorators'])
  })
})
