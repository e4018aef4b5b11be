import { describe, expect, test } from 'vitest'
import { PluginError } from './errors.js'
import { heaplet } from './heap/heaplet.js'
import { TypeRegistry } from './heap/registry.js'
import { definePlugin, isPlugin, PLUGIN_MARK, satisfies } from './plugin.js'
import { Type } from '@sinclair/typebox'
import { Expression, ExpressionSyntaxError } from './expressions/index.js'

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

  test('every manifest mistake is a TypeError naming the plugin', () => {
    const base = { name: 'p', version: '1.0.0', core: '^1.0.0' }
    expect(() => definePlugin({ ...base, core: 'not a range' })).toThrow(
      new TypeError('plugin p: core must be a semver range'),
    )
    expect(() => definePlugin({ ...base, functions: { f: 'x' as never } })).toThrow(
      new TypeError('plugin p: function f must be a function'),
    )
    expect(() => definePlugin({ ...base, dependencies: [''] })).toThrow(
      new TypeError('plugin p: dependencies must be an array of plugin names'),
    )
    expect(() => definePlugin({ ...base, setup: 1 as never })).toThrow(
      new TypeError('plugin p: setup must be a function'),
    )
  })

  test('the manifest is frozen deeply: its types, heaplets and dependencies', () => {
    const plugin = definePlugin({
      name: 'p',
      version: '1.0.0',
      core: '^1.0.0',
      types: { Thing: heaplet({ schema: Type.Object({}), create: () => ({}) }) },
      dependencies: ['q'],
    })
    expect(Object.isFrozen(plugin.types)).toBe(true)
    expect(Object.isFrozen(plugin.types!.Thing)).toBe(true)
    expect(Object.isFrozen(plugin.types!.Thing!.schema)).toBe(true)
    expect(Object.isFrozen(plugin.dependencies)).toBe(true)
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

  test('a function clash names both plugins and leaves the registry unchanged', () => {
    const registry = new TypeRegistry('1.0.0')
    registry.register(
      definePlugin({ name: 'first', version: '1.0.0', core: '^1.0.0', functions: { f: () => 1 } }),
    )
    const second = definePlugin({
      name: 'second',
      version: '1.0.0',
      core: '^1.0.0',
      types: { Other: thing },
      functions: { g: () => 2, f: () => 3 },
    })
    let error: PluginError | undefined
    try {
      registry.register(second, 'extra/second.js')
    } catch (err) {
      error = err as PluginError
    }
    expect(error).toBeInstanceOf(PluginError)
    expect(error?.message).toBe(
      'plugin second (extra/second.js): function f is already registered by first',
    )
    expect(registry.has('Other')).toBe(false)
    expect(registry.functions.has('g')).toBe(false)
    expect(registry.functions.get('f')!()).toBe(1)
    expect(registry.plugins().map((p) => p.plugin.name)).toEqual(['first'])
  })

  test('a plugin may not replace a built-in function', () => {
    const registry = new TypeRegistry('1.0.0')
    const plugin = definePlugin({
      name: 'p',
      version: '1.0.0',
      core: '^1.0.0',
      functions: { toUpperCase: () => 'no' },
    })
    expect(() => registry.register(plugin)).toThrow(
      new PluginError('p', 'function toUpperCase is a built-in function'),
    )
  })

  test("two registries see only their own plugins' functions", () => {
    const withShout = new TypeRegistry('1.0.0')
    withShout.register(
      definePlugin({
        name: 'shouting',
        version: '1.0.0',
        core: '^1.0.0',
        functions: { shout: (t) => String(t).toUpperCase() },
      }),
    )
    const without = new TypeRegistry('1.0.0')
    const text = "${shout('hi')}"
    expect(Expression.parse(text, { functions: withShout.functions }).eval()).toBe('HI')
    expect(() => Expression.parse(text, { functions: without.functions })).toThrow(
      ExpressionSyntaxError,
    )
    expect(() => Expression.parse(text)).toThrow('unknown function shout')
  })

  test('missing dependencies are named', () => {
    const registry = new TypeRegistry('1.0.0')
    registry.register(
      definePlugin({
        name: '@postern/audit-syslog',
        version: '1.0.0',
        core: '^1.0.0',
        dependencies: ['@postern/audit'],
      }),
      'node_modules/@postern/audit-syslog',
    )
    expect(() => registry.checkDependencies()).toThrow(
      new PluginError(
        '@postern/audit-syslog',
        "needs @postern/audit: add it to the gateway's plugins",
        'node_modules/@postern/audit-syslog',
      ),
    )
    registry.register(definePlugin({ name: '@postern/audit', version: '1.0.0', core: '^1.0.0' }))
    expect(() => registry.checkDependencies()).not.toThrow()
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
    ['1.0.0', '>= 1.0.0', true],
    ['1.1.0-beta.1', '^1.0.0', false],
    ['1.1.0-beta.1', '^1.1.0-beta.0', true],
  ] as const)('%s satisfies %s: %s', ([version, range, expected]) => {
    expect(satisfies(version, range)).toBe(expected)
  })
})
