import { describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '../src/index.js'

const plugins = [http]

describe('CaptureDecorator', () => {
  test('"capture": "all" on a route logs the request and the response with masked headers', async () => {
    const backend = await startBackend((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end('{"user":"bjensen"}')
    })
    const gw = await startGateway({
      plugins,
      configJson: {
        heap: [
          {
            name: 'capture',
            type: 'CaptureDecorator',
            config: { captureEntity: true, masks: { headers: ['X-OpenAM-.*'], mask: '###' } },
          },
        ],
        handler: { type: 'Router', name: '_router' },
      },
      routes: {
        'cap.json': {
          name: 'cap',
          capture: 'all',
          baseURI: backend.url,
          handler: 'ReverseProxyHandler',
        },
      },
    })
    const res = await fetch(gw.url('/who'), {
      method: 'POST',
      headers: { 'X-OpenAM-Password': 'secret', 'content-type': 'text/plain' },
      body: 'hello',
    })
    expect(await res.json()).toEqual({ user: 'bjensen' })
    const captured = gw.logs.filter((l) => l.msg === 'capture')
    expect(captured.map((l) => [l.point, l.route])).toEqual([
      ['request', 'cap'],
      ['response', 'cap'],
    ])
    expect(captured[0]).toMatchObject({
      method: 'POST',
      entity: 'hello',
      headers: { 'X-OpenAM-Password': ['###'] },
    })
    expect(captured[1]).toMatchObject({ status: 200, entity: '{"user":"bjensen"}' })
  })

  test('capture points of a filter and "none", and an unknown point is a config error', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'a.json': {
          condition: "${request.uri.path == '/a'}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ChainOfFilters',
                  capture: ['filtered_request', 'FILTERED_RESPONSE'],
                  config: { filters: [] },
                },
              ],
              handler: { type: 'StaticResponseHandler', capture: 'none', config: { status: 204 } },
            },
          },
        },
        'b.json': {
          capture: 'sometimes',
          handler: { type: 'StaticResponseHandler', config: { status: 200 } },
        },
      },
    })
    expect((await fetch(gw.url('/a'))).status).toBe(204)
    expect(gw.logs.filter((l) => l.msg === 'capture').map((l) => l.point)).toEqual([
      'filtered_request',
      'filtered_response',
    ])
    const failed = gw.logs.find((l) => l.msg === 'route not loaded')
    expect(failed?.errors).toEqual([
      {
        source: 'config/routes/b.json',
        pointer: '/capture',
        object: { name: 'b', type: 'Route' },
        reason:
          'unknown capture point sometimes: use all, none, request, filtered_request, response, filtered_response',
      },
    ])
  })
})

describe('TimerDecorator', () => {
  test('"timer": true logs the elapsed time of the route handler; false does not', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        't.json': {
          name: 'timed',
          condition: "${request.uri.path == '/t'}",
          timer: true,
          handler: { type: 'StaticResponseHandler', config: { status: 200 } },
        },
        'u.json': {
          name: 'untimed',
          timer: false,
          handler: { type: 'StaticResponseHandler', config: { status: 200 } },
        },
      },
    })
    await fetch(gw.url('/t'))
    await fetch(gw.url('/u'))
    const timed = gw.logs.filter(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('Elapsed time: '),
    )
    expect(timed).toHaveLength(1)
    expect(timed[0]).toMatchObject({ route: 'timed', unit: 'ms' })
    expect(timed[0]!.msg).toMatch(/^Elapsed time: \d+ ms$/)
  })
})

describe('BaseUriDecorator', () => {
  test('rebases scheme, host and port, and keeps the path; a runtime expression is evaluated per request', async () => {
    const backend = await startBackend((req, res) => res.end(`${req.headers.host} ${req.url}`))
    const gw = await startGateway({
      plugins,
      routes: {
        'r.json': {
          properties: { app: backend.url },
          baseURI: '${app}',
          handler: 'ReverseProxyHandler',
        },
      },
    })
    // the application is reached at its own address, with the Host the client sent (IG keeps it)
    expect(await (await fetch(gw.url('/deep/path?x=1'))).text()).toBe(
      `${new URL(gw.url()).host} /deep/path?x=1`,
    )
  })
})
