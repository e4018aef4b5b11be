import { describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

function echoBackend() {
  return startBackend((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.setHeader('x-app', 'yes')
    res.end(JSON.stringify({ headers: req.headers }))
  })
}

describe('HeaderFilter', () => {
  test('adds request headers (reference: Add headers to a request) and replaces the host header', async () => {
    const backend = await echoBackend()
    const gw = await startGateway({
      plugins,
      routes: {
        'h.json': {
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  name: 'SetCustomHeaders',
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    add: { custom1: ['12345', '6789'], custom2: ['abcd'] },
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    remove: ['X-Remove-Me'],
                    add: { 'X-Method': ['${request.method}', '${attributes.missing}'] },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/'), { headers: { 'x-remove-me': '1' } })
    const { headers } = (await res.json()) as { headers: Record<string, string> }
    expect(headers.custom1).toBe('12345, 6789')
    expect(headers.custom2).toBe('abcd')
    expect(headers['x-method']).toBe('GET') // a value that evaluates to null is dropped
    expect(headers['x-remove-me']).toBeUndefined()
  })

  test('response headers: remove, then replace, then add (reference: adds a Set-Cookie header)', async () => {
    const backend = await echoBackend()
    const gw = await startGateway({
      plugins,
      routes: {
        'h.json': {
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'RESPONSE',
                    remove: ['x-app'],
                    replace: { 'content-type': ['text/plain'] },
                    add: { 'Set-Cookie': ['mysession=12345'] },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/'))
    expect(res.headers.get('set-cookie')).toBe('mysession=12345')
    expect(res.headers.get('content-type')).toBe('text/plain')
    expect(res.headers.get('x-app')).toBeNull()
  })

  test('messageType must be REQUEST or RESPONSE', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'bad.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [{ name: 'F', type: 'HeaderFilter', config: { messageType: 'BOTH' } }],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    expect(gw.logs.find((l) => l.msg === 'route not loaded')?.errors).toEqual([
      {
        source: 'config/routes/bad.json',
        pointer: '/handler/config/filters/0/config/messageType',
        object: { name: 'F', type: 'HeaderFilter' },
        reason: 'must be one of REQUEST, RESPONSE',
      },
    ])
  })
})

describe('AssignmentFilter', () => {
  test('assigns on the request and on the response, when the condition holds (reference: Capture and store login credentials)', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'a.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'AssignmentFilter',
                  config: {
                    onRequest: [
                      {
                        target: '${attributes.user}',
                        value: "${request.queryParams['username'][0]}",
                      },
                      { target: '${attributes.confirmed}', value: '${false}' },
                      {
                        condition: "${request.method == 'DELETE'}",
                        target: '${attributes.never}',
                        value: 'x',
                      },
                    ],
                    onResponse: [
                      {
                        condition: '${response.status.code == 200}',
                        target: "${response.headers['X-User']}",
                        value: '${attributes.user}',
                      },
                      {
                        target: "${response.headers['X-Confirmed']}",
                        value: '${attributes.confirmed}',
                      },
                      { target: "${response.headers['X-Never']}", value: '${attributes.never}' },
                    ],
                  },
                },
              ],
              handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'ok' } },
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/login?username=bjensen'))
    expect(res.headers.get('x-user')).toBe('bjensen')
    expect(res.headers.get('x-confirmed')).toBe('false')
    expect(res.headers.get('x-never')).toBeNull()
  })

  test('reads the request entity for a deferred value', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'a.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'AssignmentFilter',
                  config: {
                    onResponse: [
                      {
                        target: "${response.headers['X-Answer']}",
                        value: "#{request.entity.json['answer']}",
                      },
                    ],
                  },
                },
              ],
              handler: { type: 'StaticResponseHandler', config: { status: 200 } },
            },
          },
        },
      },
    })
    const res = await fetch(gw.url('/'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"answer":42}',
    })
    expect(res.headers.get('x-answer')).toBe('42')
  })

  test('a target that is not an l-value is a config error', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'bad.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  name: 'A',
                  type: 'AssignmentFilter',
                  config: { onRequest: [{ target: 'plain text', value: 'x' }] },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    })
    expect(gw.logs.find((l) => l.msg === 'route not loaded')?.errors).toEqual([
      {
        source: 'config/routes/bad.json',
        pointer: '/handler/config/filters/0/config/onRequest/0/target',
        object: { name: 'A', type: 'AssignmentFilter' },
        reason: 'not an l-value expression: plain text',
      },
    ])
  })
})
