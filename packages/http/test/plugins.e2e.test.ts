import { describe, expect, test } from 'vitest'
import { definePlugin, PluginError } from '@postern/core'
import { startGateway } from '@postern/testing'
import http from '../src/index.js'

const shouting = definePlugin({
  name: 'shouting',
  version: '1.0.0',
  core: '^1.0.0',
  functions: { shout: (text) => String(text ?? '').toUpperCase() },
})
const route = {
  condition: "${shout(request.uri.path) == '/LOUD'}",
  handler: {
    type: 'StaticResponseHandler',
    config: { status: 200, entity: "${shout('heard')}" },
  },
}

describe('plugins are per gateway', () => {
  test('two gateways in one process with different plugins parse the same route differently', async () => {
    const loud = await startGateway({ plugins: [http, shouting], routes: { 'r.json': route } })
    const quiet = await startGateway({ plugins: [http], routes: { 'r.json': route } })
    const res = await fetch(loud.url('/loud'))
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('HEARD')
    expect((await fetch(quiet.url('/loud'))).status).toBe(404)
    const refused = quiet.logs.find((l) => l.msg === 'route not loaded')
    expect(refused?.errors).toEqual([
      expect.objectContaining({
        source: 'config/routes/r.json',
        pointer: '/handler/config/entity',
        object: { name: '{StaticResponseHandler}/handler', type: 'StaticResponseHandler' },
        reason: 'expression syntax error at column 3: unknown function shout',
      }),
    ])
  })

  test('a gateway missing a plugin dependency refuses to start, naming it', async () => {
    const needy = definePlugin({
      name: 'needy',
      version: '1.0.0',
      core: '^1.0.0',
      dependencies: ['@postern/audit'],
    })
    const start = startGateway({ plugins: [http, needy] })
    await expect(start).rejects.toBeInstanceOf(PluginError)
    await expect(start).rejects.toMatchObject({
      code: 'ERR_POSTERN_PLUGIN',
      plugin: 'needy',
      message: "plugin needy: needs @postern/audit: add it to the gateway's plugins",
    })
  })
})
