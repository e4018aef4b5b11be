import { describe, expect, test } from 'vitest'
import { PluginError } from './errors.js'
import { heaplet } from './heap/heaplet.js'
import { TypeRegistry } from './heap/registry.js'
import { definePlugin, isPlugin, PLUGIN_MARK, satisfies } from './plugin.js'
import { Type } from '@sinclair/typebox'

const thing = heaplet({ schema: Type.Object({}), create: () => ({}) })

describe('definePlugin', () => {
  test('marks the manifest so a plugin built against another copy of core is recognized', () => {
    const plugin = definePlugin({
      name: 'p',
      version: '1.0.0',
      core: '^1.0.0',
      types: { Thing: thing },
    })
    expect(isPlugin(plugin)).toBe(true)
    expect(plugin[PLUGIN_MARK]).toBe(true)
    expect(isPlugin({ ...plugin })).toBe(true)
    expect(isPlugin({ name: 'p', types: {} })).toBe(false)
    expect(Object.isFrozen(plugin)).toBe(true)
  })

  test('refuses programming mistakes with a TypeError or a PluginError', () => {
    expect(() => definePlugin(null as never)).toThrow(TypeError)
    expect(() => definePlugin({ name: '', version: '1', core: '^1.0.0' })).toThrow(
      'plugin name must be a string',
    )
    expect(() =>
      definePlugin({ name: 'p', version: '1', core: '^1.0.0', types: { Bad: {} as never } }),
    ).toThrow('plugin p: type Bad must be a heaplet ({ schema, create })')
  })
})

describe('TypeRegistry', () => {
  test('refuses a plugin written for another major version of core', () => {
    const registry = new TypeRegistry('1.2.0')
    const plugin = definePlugin({
      name: 'old',
      version: '1.0.0',
      core: '^0.9.0',
      types: { Thing: thing },
    })
    expect(() => registry.register(plugin, 'extra/old')).toThrow(
      new PluginError('old', 'needs @postern/core ^0.9.0, this gateway has 1.2.0', 'extra/old'),
    )
    expect(registry.has('Thing')).toBe(false)
  })

  test('a type-name clash names both plugins and registers nothing of the second', () => {
    const registry = new TypeRegistry('1.0.0')
    registry.register(
      definePlugin({ name: 'first', version: '1.0.0', core: '^1.0.0', types: { Thing: thing } }),
      'node_modules/first',
    )
    const second = definePlugin({
      name: 'second',
      version: '1.0.0',
      core: '^1.0.0',
      types: { Other: thing, Thing: thing },
    })
    let error: PluginError | undefined
    try {
      registry.register(second, 'extra/second.js')
    } catch (err) {
      error = err as PluginError
    }
    expect(error?.message).toBe(
      'plugin second (extra/second.js): type Thing is already registered by first (node_modules/first)',
    )
    expect(error?.code).toBe('ERR_POSTERN_PLUGIN')
    expect(registry.has('Other')).toBe(false)
  })

  test('looks up fully qualified Java class names by their simple name', () => {
    const registry = new TypeRegistry('1.0.0')
    registry.register(
      definePlugin({
        name: 'p',
        version: '1.0.0',
        core: '^1.0.0',
        types: { HeaderFilter: thing, RouterHandler: thing },
      }),
    )
    expect(registry.get('org.forgerock.openig.filter.HeaderFilter')?.type).toBe('HeaderFilter')
    expect(registry.types()).toEqual(['HeaderFilter', 'RouterHandler'])
  })
})

describe('satisfies', () => {
  test.for([
    ['1.0.0', '^1.0.0', true],
    ['1.9.3', '^1.2.0', true],
    ['2.0.0', '^1.0.0', false],
    ['1.1.0', '^1.2.0', false],
    ['0.3.1', '^0.3.0', true],
    ['0.4.0', '^0.3.0', false],
    ['1.2.9', '~1.2.0', true],
    ['1.3.0', '~1.2.0', false],
    ['3.0.0', '>=2.0.0', true],
    ['1.5.0', '>=1.0.0 <2.0.0', true],
    ['2.5.0', '^1.0.0 || ^2.0.0', true],
    ['1.0.0', '*', true],
    ['1.4.0', '1.x', true],
    ['1.0.0', '1.0.1', false],
  ] as const)('%s satisfies %s: %s', ([version, range, expected]) => {
    expect(satisfies(version, range)).toBe(expected)
  })
})
