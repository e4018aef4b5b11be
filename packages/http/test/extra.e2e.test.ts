import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { instanceDir, startGateway } from '@postern/testing'
import http, { loadExtraPlugins } from '../src/index.js'
import { memoryLogger } from '@postern/testing'

const plugin = (name: string, type: string) => `
import { definePlugin, heaplet, Type, Response } from '@postern/core'
export default definePlugin({
  name: '${name}',
  version: '2.0.0',
  core: '^1.0.0',
  types: {
    ${type}: heaplet({
      schema: Type.Object({ text: Type.String() }),
      create: (config) => ({ handle: async () => new Response({ status: 200, entity: config.text }) }),
    }),
  },
})
`

function extra(files: Record<string, string>): string {
  const dir = instanceDir({ routes: {} })
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, 'extra', name)
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(path, text)
  }
  return dir
}

describe('plugins in extra/', () => {
  test('a single module and an ESM package are loaded, in name order, and logged', async () => {
    const dir = extra({
      'a-hello.mjs': plugin('hello', 'HelloHandler'),
      'b-package/package.json': JSON.stringify({
        name: 'pkg',
        type: 'module',
        exports: { '.': { import: './lib/main.js' } },
      }),
      'b-package/lib/main.js': plugin('packaged', 'PackagedHandler'),
      'notes.txt': 'not a plugin',
      'legacy.jar': '',
    })
    const gw = await startGateway({
      plugins: [http],
      dir,
      routes: {},
    })
    gw.writeRoute('h.json', {
      condition: "${request.uri.path == '/h'}",
      handler: { type: 'HelloHandler', config: { text: 'hi' } },
    })
    gw.writeRoute('p.json', {
      condition: "${request.uri.path == '/p'}",
      handler: { type: 'PackagedHandler', config: { text: 'packaged' } },
    })
    await gw.gateway.heap.get<{ scan(): Promise<void> }>('_router').then((r) => r.scan())
    expect(await (await fetch(gw.url('/h'))).text()).toBe('hi')
    expect(await (await fetch(gw.url('/p'))).text()).toBe('packaged')
    const loaded = gw.logs
      .filter((l) => String(l.msg).startsWith('loaded plugin'))
      .map((l) => l.msg)
    expect(loaded).toEqual([
      'loaded plugin hello@2.0.0 from extra/a-hello.mjs',
      'loaded plugin packaged@2.0.0 from extra/b-package',
    ])
    expect(
      gw.logs.some((l) => l.msg === 'Java archives cannot be loaded by Postern: ignored'),
    ).toBe(true)
  })

  test('a module without a plugin, a syntax error, and a type-name clash are errors naming the entry', async () => {
    const logger = memoryLogger()
    await expect(
      loadExtraPlugins(join(extra({ 'x.mjs': 'export const y = 1' }), 'extra'), logger),
    ).rejects.toThrow(
      'plugin x.mjs (extra/x.mjs): exports no plugin: its default export must be the result of definePlugin()',
    )
    await expect(
      loadExtraPlugins(join(extra({ 'bad.mjs': 'export default {{' }), 'extra'), logger),
    ).rejects.toThrow(/plugin bad\.mjs \(extra\/bad\.mjs\): cannot be loaded: /)
    const clash = extra({ 'clash.mjs': plugin('clashing', 'StaticResponseHandler') })
    await expect(startGateway({ plugins: [http], dir: clash })).rejects.toThrow(
      'plugin clashing (extra/clash.mjs): type StaticResponseHandler is already registered by @postern/http',
    )
  })
})
