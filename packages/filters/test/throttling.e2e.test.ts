import { describe, expect, test } from 'vitest'
import { startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]
const route = (filter: unknown) => ({
  handler: {
    type: 'Chain',
    config: {
      filters: [filter],
      handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'ok' } },
    },
  },
})

describe('ThrottlingFilter', () => {
  test('simple throttling (reference: 6 requests / 10 s): the 7th request gets 429 and Retry-After', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        't.json': route({
          type: 'ThrottlingFilter',
          name: 'ThrottlingFilter-1',
          config: { requestGroupingPolicy: '', rate: { numberOfRequests: 6, duration: '10 s' } },
        }),
      },
    })
    const statuses = []
    for (let i = 0; i < 7; i++) statuses.push((await fetch(gw.url('/'))).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429])
    const refused = await fetch(gw.url('/'))
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(2)
  })

  test('partitions by requestGroupingPolicy; concurrent requests never exceed the rate', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        't.json': route({
          type: 'ThrottlingFilter',
          config: {
            requestGroupingPolicy: "${request.headers['X-Client'][0]}",
            rate: { numberOfRequests: 5, duration: '1 minute' },
          },
        }),
      },
    })
    const burst = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(gw.url('/'), { headers: { 'X-Client': 'alice' } }).then((r) => r.status),
      ),
    )
    expect(burst.filter((s) => s === 200)).toHaveLength(5)
    expect(burst.filter((s) => s === 429)).toHaveLength(15)
    expect((await fetch(gw.url('/'), { headers: { 'X-Client': 'bob' } })).status).toBe(200)
    expect((await fetch(gw.url('/'))).status).toBe(500) // the partition may not be null
  })

  test('MappedThrottlingPolicy with a default rate, inside a DefaultRateThrottlingPolicy', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'm.json': route({
          type: 'ThrottlingFilter',
          config: {
            requestGroupingPolicy: "${request.headers['X-User'][0]}",
            throttlingRatePolicy: {
              type: 'DefaultRateThrottlingPolicy',
              config: {
                delegateThrottlingRatePolicy: {
                  type: 'MappedThrottlingPolicy',
                  config: {
                    throttlingRateMapper: "${request.headers['X-Tier'][0]}",
                    throttlingRatesMapping: {
                      gold: { numberOfRequests: 3, duration: '1 minute' },
                      silver: { numberOfRequests: 1, duration: '1 minute' },
                    },
                    defaultRate: { numberOfRequests: 2, duration: '1 minute' },
                  },
                },
                defaultRate: { numberOfRequests: 10, duration: '1 minute' },
              },
            },
          },
        }),
      },
    })
    const count = async (user: string, tier?: string) => {
      let ok = 0
      for (let i = 0; i < 5; i++) {
        const headers: Record<string, string> = {
          'X-User': user,
          ...(tier ? { 'X-Tier': tier } : {}),
        }
        if ((await fetch(gw.url('/'), { headers })).status === 200) ok++
      }
      return ok
    }
    expect(await count('u1', 'gold')).toBe(3)
    expect(await count('u2', 'silver')).toBe(1)
    expect(await count('u3')).toBe(2)
  })

  test('invalid rates and configurations are config errors with their pointer', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'a.json': route({
          name: 'T',
          type: 'ThrottlingFilter',
          config: { rate: { numberOfRequests: 1, duration: '3 nanoseconds' } },
        }),
        'b.json': route({ name: 'T', type: 'ThrottlingFilter', config: {} }),
        'c.json': route({
          name: 'T',
          type: 'ThrottlingFilter',
          config: { rate: { numberOfRequests: 1, duration: '1 s' }, cleaningInterval: '2 days' },
        }),
      },
    })
    const errors = gw.logs
      .filter((l) => l.msg === 'route not loaded')
      .flatMap((l) => l.errors as { source: string }[])
    expect(errors.sort((a, b) => a.source.localeCompare(b.source))).toEqual([
      {
        source: 'config/routes/a.json',
        pointer: '/handler/config/filters/0/config/rate',
        object: { name: 'T', type: 'ThrottlingFilter' },
        reason: 'the duration of a throttling rate must be at least 1 ms: 3 nanoseconds',
      },
      {
        source: 'config/routes/b.json',
        pointer: '/handler/config/filters/0/config',
        object: { name: 'T', type: 'ThrottlingFilter' },
        reason: 'rate or throttlingRatePolicy is required',
      },
      {
        source: 'config/routes/c.json',
        pointer: '/handler/config/filters/0/config/cleaningInterval',
        object: { name: 'T', type: 'ThrottlingFilter' },
        reason: 'must be more than zero and at most one day',
      },
    ])
  })
})
