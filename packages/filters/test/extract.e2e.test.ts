import { describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

describe('EntityExtractFilter', () => {
  test('extracts a nonce from the response with a template (reference: WikiNoncePageExtract, lower-case messageType)', async () => {
    const backend = await startBackend((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=UTF-8')
      res.end(
        '<form><input name="wpLoginToken" type="hidden" value="abc123"/><h1>Log in</h1></form>',
      )
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'x.json': {
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'response',
                    add: {
                      'X-Token': ['${attributes.extract.wpLoginToken}'],
                      'X-Login': ['${attributes.extract.isLoginPage}'],
                      'X-Missing': ['${attributes.extract.nothing}'],
                    },
                  },
                },
                {
                  name: 'WikiNoncePageExtract',
                  type: 'EntityExtractFilter',
                  config: {
                    messageType: 'response',
                    target: '${attributes.extract}',
                    bindings: [
                      {
                        key: 'wpLoginToken',
                        pattern: 'wpLoginToken"\\s.*value="(\\w*)"',
                        template: '$1',
                      },
                      { key: 'isLoginPage', pattern: '<h1>Log in</h1>', template: 'true' },
                      { key: 'nothing', pattern: 'absent' },
                    ],
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/login'))
    expect(res.headers.get('x-token')).toBe('abc123')
    expect(res.headers.get('x-login')).toBe('true')
    expect(res.headers.get('x-missing')).toBeNull()
    expect(await res.text()).toContain('wpLoginToken') // the body still reaches the client
  })

  test('extracts from the request before it is handled; a bad pattern is a config error', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': {
          condition: "${request.uri.path == '/r'}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'EntityExtractFilter',
                  config: {
                    messageType: 'REQUEST',
                    target: '${attributes.found}',
                    bindings: [{ key: 'id', pattern: 'id=(\\d+)', template: 'user-$1' }],
                  },
                },
              ],
              handler: {
                type: 'StaticResponseHandler',
                config: { status: 200, entity: '${attributes.found.id} #{request.entity.string}' },
              },
            },
          },
        },
        'bad.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  name: 'E',
                  type: 'EntityExtractFilter',
                  config: {
                    messageType: 'REQUEST',
                    target: '${attributes.x}',
                    bindings: [{ key: 'k', pattern: '([' }],
                  },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
      },
    })
    expect(await (await fetch(gw.url('/r'), { method: 'POST', body: 'name=a&id=42' })).text()).toBe(
      'user-42 name=a&id=42',
    )
    const errors = gw.logs.find((l) => l.msg === 'route not loaded')?.errors
    expect(errors).toEqual([
      {
        source: 'config/routes/bad.json',
        pointer: '/handler/config/filters/0/config/bindings/0/pattern',
        object: { name: 'E', type: 'EntityExtractFilter' },
        reason: expect.stringMatching(/^not a valid pattern: /),
      },
    ])
  })
})
