import { describe, expect, test } from 'vitest'
import { startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]
const ok = (entity: string, status = 200) => ({
  type: 'StaticResponseHandler',
  config: { status, entity },
})
const chain = (filter: unknown, handler: unknown = ok('reached')) => ({
  handler: { type: 'Chain', config: { filters: [filter], handler } },
})

describe('ConditionEnforcementFilter', () => {
  test('continues when the condition holds, else the failure handler (reference example), else 403', async () => {
    const running = await startGateway({
      plugins,
      routes: {
        'with.json': {
          condition: "${find(request.uri.path, '^/with$')}",
          heap: [
            {
              name: 'ConditionFailedHandler',
              type: 'StaticResponseHandler',
              config: { status: 401, entity: 'no username' },
            },
          ],
          ...chain({
            name: 'UsernameEnforcementFilter',
            type: 'ConditionEnforcementFilter',
            config: {
              condition: "${not empty (request.headers['X-User'][0])}",
              failureHandler: 'ConditionFailedHandler',
            },
          }),
        },
        'without.json': {
          condition: "${find(request.uri.path, '^/without')}",
          ...chain({
            type: 'ConditionEnforcementFilter',
            config: { condition: "${request.method == 'GET'}" },
          }),
        },
      },
    })
    expect(
      await (await fetch(running.url('/with'), { headers: { 'X-User': 'bjensen' } })).text(),
    ).toBe('reached')
    const refused = await fetch(running.url('/with'))
    expect([refused.status, await refused.text()]).toEqual([401, 'no username'])
    expect((await fetch(running.url('/without'), { method: 'DELETE' })).status).toBe(403)
    expect((await fetch(running.url('/without'))).status).toBe(200)
  })
})

describe('ConditionalFilter', () => {
  test('uses the delegate only when the condition holds (reference: skip .js and .jpg)', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'c.json': chain({
          type: 'ConditionalFilter',
          config: {
            condition: "${not (find(request.uri.path, '.js$') or find(request.uri.path, '.jpg$'))}",
            delegate: {
              type: 'HeaderFilter',
              config: { messageType: 'RESPONSE', add: { 'X-Delegate': ['applied'] } },
            },
          },
        }),
      },
    })
    expect((await fetch(gw.url('/page.html'))).headers.get('x-delegate')).toBe('applied')
    expect((await fetch(gw.url('/app.js'))).headers.get('x-delegate')).toBeNull()
    expect((await fetch(gw.url('/img.jpg'))).headers.get('x-delegate')).toBeNull()
  })
})

describe('SwitchFilter', () => {
  test('diverts the request to the first onRequest case that holds, and replaces a response on onResponse', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        's.json': chain(
          {
            type: 'SwitchFilter',
            config: {
              onRequest: [
                { condition: "${request.uri.path == '/login'}", handler: ok('login page') },
                { condition: "${request.uri.path == '/never'}", handler: ok('never') },
              ],
              onResponse: [
                {
                  condition: '${response.status.code == 404}',
                  handler: ok('custom not found', 404),
                },
              ],
            },
          },
          {
            type: 'DispatchHandler',
            config: {
              bindings: [
                { condition: "${request.uri.path == '/app'}", handler: ok('app') },
                { handler: ok('missing', 404) },
              ],
            },
          },
        ),
      },
    })
    expect(await (await fetch(gw.url('/login'))).text()).toBe('login page')
    expect(await (await fetch(gw.url('/app'))).text()).toBe('app')
    const missing = await fetch(gw.url('/other'))
    expect([missing.status, await missing.text()]).toEqual([404, 'custom not found'])
  })
})

describe('DateHeaderFilter and FapiInteractionIdFilter', () => {
  test('adds a Date header only when the response has none', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'd.json': {
          condition: "${request.uri.path == '/d'}",
          ...chain({ type: 'DateHeaderFilter' }),
        },
        'e.json': {
          condition: "${request.uri.path == '/e'}",
          ...chain(
            { type: 'DateHeaderFilter' },
            {
              type: 'StaticResponseHandler',
              config: { status: 200, headers: { Date: ['Tue, 03 Jun 2008 11:05:30 GMT'] } },
            },
          ),
        },
      },
    })
    const date = (await fetch(gw.url('/d'))).headers.get('date')!
    expect(Math.abs(Date.parse(date) - Date.now())).toBeLessThan(5000)
    expect((await fetch(gw.url('/e'))).headers.get('date')).toBe('Tue, 03 Jun 2008 11:05:30 GMT')
  })

  test('echoes the client interaction id, or creates one and passes it on', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'f.json': chain(
          { type: 'FapiInteractionIdFilter' },
          {
            type: 'StaticResponseHandler',
            config: { status: 200, entity: "${request.headers['x-fapi-interaction-id'][0]}" },
          },
        ),
      },
    })
    const given = await fetch(gw.url('/'), {
      headers: { 'x-fapi-interaction-id': '93bac548-d2de-4546-b106-880a5018460d' },
    })
    expect(given.headers.get('x-fapi-interaction-id')).toBe('93bac548-d2de-4546-b106-880a5018460d')
    const made = await fetch(gw.url('/'))
    const id = made.headers.get('x-fapi-interaction-id')!
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(await made.text()).toBe(id)
    expect(
      gw.logs.filter((l) => l.msg === 'FAPI interaction').map((l) => l.fapiInteractionId),
    ).toEqual(['93bac548-d2de-4546-b106-880a5018460d', id])
  })
})
