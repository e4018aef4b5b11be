import { describe, expect, test } from 'vitest'
import { RootContext } from './context/context.js'
import { chainOf, filterOf, handlerOf, type Filter, type Handler } from './handler.js'
import { Request } from './messages/request.js'
import { Response } from './messages/response.js'

/** A filter that records the request on the way in, the `next` it got, and marks the response. */
function recorder(name: string, log: string[], nexts: Handler[] = []): Filter {
  return {
    async filter(context, request, next) {
      log.push(`${name} in`)
      nexts.push(next)
      request.headers.append('x-path', name)
      const response = await next.handle(context, request)
      log.push(`${name} out`)
      response.headers.append('x-back', name)
      return response
    },
  }
}

function terminal(name: string, log: string[] = []): Handler {
  return handlerOf(async (_context, request) => {
    log.push(name)
    const response = new Response({ status: 200, entity: name })
    response.headers.set('x-path', request.headers.getAll('x-path'))
    return response
  })
}

const call = (filter: Filter, next: Handler) =>
  filter.filter(new RootContext(), new Request({ uri: 'http://h/' }), next)

describe('filterOf (ChainOfFilters)', () => {
  test('composes its links once: every request gets the same next handlers', async () => {
    const nexts: Handler[][] = [[], [], []]
    const log: string[] = []
    const chain = filterOf([0, 1, 2].map((i) => recorder(`f${i}`, log, nexts[i])))
    const end = terminal('end')
    for (let i = 0; i < 5; i++) await call(chain, end)
    expect(nexts.map((seen) => new Set(seen).size)).toEqual([1, 1, 1])
    expect(nexts[2]![0]).toBe(end) // the last filter gets the caller's next itself
  })

  test('composes links per next: two callers, each with its own next', async () => {
    const nexts: Handler[] = []
    const chain = filterOf([recorder('a', [], nexts), recorder('b', [])])
    const one = terminal('one')
    const two = terminal('two')
    // concurrently, interleaved: each call reaches its own next
    const responses = await Promise.all([
      call(chain, one),
      call(chain, two),
      call(chain, one),
      call(chain, two),
    ])
    expect(await Promise.all(responses.map((r) => r.entity.text()))).toEqual([
      'one',
      'two',
      'one',
      'two',
    ])
    expect(new Set(nexts).size).toBe(2)
  })

  test('runs the filters in order on the request and in reverse on the response', async () => {
    const log: string[] = []
    const chain = filterOf([recorder('f0', log), recorder('f1', log), recorder('f2', log)])
    const response = await call(chain, terminal('end', log))
    expect(log).toEqual(['f0 in', 'f1 in', 'f2 in', 'end', 'f2 out', 'f1 out', 'f0 out'])
    expect(response.headers.getAll('x-path')).toEqual(['f0', 'f1', 'f2'])
    expect(response.headers.getAll('x-back')).toEqual(['f2', 'f1', 'f0'])
    // the same as a Chain of the same filters
    const chained = await chainOf(
      [recorder('f0', []), recorder('f1', []), recorder('f2', [])],
      terminal('end'),
    ).handle(new RootContext(), new Request({ uri: 'http://h/' }))
    expect(chained.headers.toJSON()).toEqual(response.headers.toJSON())
  })

  test('a filter that answers itself stops the chain', async () => {
    const log: string[] = []
    const refuse: Filter = { filter: async () => Response.of(403) }
    const chain = filterOf([recorder('f0', log), refuse, recorder('f2', log)])
    const response = await call(chain, terminal('end', log))
    expect(response.status.code).toBe(403)
    expect(log).toEqual(['f0 in', 'f0 out'])
  })

  test('a filter may call next more than once (a retry)', async () => {
    const log: string[] = []
    const retry: Filter = {
      async filter(context, request, next) {
        await next.handle(context, request)
        return next.handle(context, request)
      },
    }
    const chain = filterOf([retry, recorder('f1', log)])
    await call(chain, terminal('end', log))
    expect(log).toEqual(['f1 in', 'end', 'f1 out', 'f1 in', 'end', 'f1 out'])
  })

  test('no filters pass the request to next; one filter is that filter', async () => {
    const log: string[] = []
    const response = await call(filterOf([]), terminal('end', log))
    expect(await response.entity.text()).toBe('end')
    expect(log).toEqual(['end'])
    const only = recorder('only', [])
    expect(filterOf([only])).toBe(only)
  })
})
