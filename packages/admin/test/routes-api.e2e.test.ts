import { describe, expect, test } from 'vitest'
import http from '@postern/http'
import filters from '@postern/filters'
import { startBackend, startGateway } from '@postern/testing'
import admin from '../src/index.js'

const plugins = [http, admin]
const api = '/openig/api/system/objects/_router/routes'

const json = (method: string, body?: unknown, headers: Record<string, string> = {}) => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
})

describe('the routes REST API', () => {
  test('create, read, update, query and delete a route that serves like a file route', async () => {
    const backend = await startBackend((req, res) => res.end(`backend ${req.url}`))
    const gw = await startGateway({
      plugins,
      routes: {
        'file.json': {
          name: 'file',
          condition: "${request.uri.path == '/file'}",
          handler: {
            type: 'StaticResponseHandler',
            config: { status: 200, entity: 'from a file' },
          },
        },
      },
    })
    const route = {
      name: 'rest',
      condition: "${find(request.uri.path, '^/rest')}",
      baseURI: backend.url,
      handler: 'ReverseProxyHandler',
    }
    expect((await fetch(gw.url('/rest/x'))).status).toBe(404)
    const created = await fetch(
      gw.url(`${api}/rest-route`),
      json('PUT', route, { 'If-None-Match': '*' }),
    )
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe(`${api}/rest-route`)
    expect(await created.json()).toEqual({ _id: 'rest-route', ...route })
    expect(await (await fetch(gw.url('/rest/x'))).text()).toBe('backend /rest/x')
    // If-None-Match: * on an existing route
    expect(
      (await fetch(gw.url(`${api}/rest-route`), json('PUT', route, { 'If-None-Match': '*' })))
        .status,
    ).toBe(412)
    // read
    const read = await fetch(gw.url(`${api}/rest-route?_fields=name,condition`))
    expect(await read.json()).toEqual({
      _id: 'rest-route',
      name: 'rest',
      condition: route.condition,
    })
    // update
    const updated = await fetch(
      gw.url(`${api}/rest-route`),
      json('PUT', {
        ...route,
        handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'updated' } },
      }),
    )
    expect(updated.status).toBe(200)
    expect(await (await fetch(gw.url('/rest/x'))).text()).toBe('updated')
    // query: file and REST routes alike
    const all = await (await fetch(gw.url(`${api}?_queryFilter=true&_fields=name`))).json()
    expect(all).toEqual({
      result: [
        { _id: 'file', name: 'file' },
        { _id: 'rest-route', name: 'rest' },
      ],
      resultCount: 2,
      pagedResultsCookie: null,
      totalPagedResultsPolicy: 'NONE',
      totalPagedResults: -1,
      remainingPagedResults: -1,
    })
    const filtered = (await (
      await fetch(
        gw.url(`${api}?_queryFilter=${encodeURIComponent('name eq "rest"')}&_fields=name`),
      )
    ).json()) as { result: unknown[] }
    expect(filtered.result).toEqual([{ _id: 'rest-route', name: 'rest' }])
    const paged = await (
      await fetch(
        gw.url(`${api}?_queryFilter=true&_pageSize=1&_fields=name&_totalPagedResultsPolicy=EXACT`),
      )
    ).json()
    expect(paged).toMatchObject({ resultCount: 1, pagedResultsCookie: '1', totalPagedResults: 2 })
    const pretty = await (
      await fetch(gw.url(`${api}/rest-route?_prettyPrint=true&_fields=name`))
    ).text()
    expect(pretty).toBe('{\n  "_id": "rest-route",\n  "name": "rest"\n}')
    // delete returns the deleted resource
    const deleted = await fetch(gw.url(`${api}/rest-route?_fields=name`), { method: 'DELETE' })
    expect(await deleted.json()).toEqual({ _id: 'rest-route', name: 'rest' })
    expect((await fetch(gw.url('/rest/x'))).status).toBe(404)
    expect((await fetch(gw.url(`${api}/rest-route`))).status).toBe(404)
    expect(await (await fetch(gw.url('/file'))).text()).toBe('from a file')
  })

  test('POST _action=create, errors with Common REST bodies, and a broken update keeps the old route', async () => {
    const gw = await startGateway({ plugins })
    const ok = {
      condition: "${request.uri.path == '/p'}",
      handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'posted' } },
    }
    const created = await fetch(
      gw.url(`${api}?_action=create`),
      json('POST', { _id: 'posted', ...ok }),
    )
    expect(created.status).toBe(201)
    expect(await (await fetch(gw.url('/p'))).text()).toBe('posted')
    const broken = await fetch(
      gw.url(`${api}/posted`),
      json('PUT', { ...ok, handler: { type: 'NoSuchHandler' } }),
    )
    expect(broken.status).toBe(400)
    const body = (await broken.json()) as { message: string }
    expect(body).toMatchObject({ code: 400, reason: 'Bad Request' })
    expect(body.message).toContain('api:_router/routes/posted#/handler/type: ')
    expect(body.message).toContain('unknown type NoSuchHandler: no plugin registers it')
    expect(await (await fetch(gw.url('/p'))).text()).toBe('posted') // still serving
    expect(await (await fetch(gw.url(`${api}/none`))).json()).toEqual({
      code: 404,
      reason: 'Not Found',
      message: 'no route none',
    })
    expect((await fetch(gw.url(`${api}/x`), json('PUT', 'not json'))).status).toBe(400)
    expect(
      (await fetch(gw.url(`${api}/x`), json('PUT', ok, { 'If-None-Match': 'rev1' }))).status,
    ).toBe(400)
    expect((await fetch(gw.url(`${api}?_queryFilter=name+xx+1`))).status).toBe(400)
    expect((await fetch(gw.url(`${api}`))).status).toBe(400)
    expect(
      (await fetch(gw.url('/openig/api/system/objects/nope/routes?_queryFilter=true'))).status,
    ).toBe(404)
  })

  test('query pages carry result, resultCount and every paging field of Common REST', async () => {
    const route = (n: number) => ({
      name: `r${n}`,
      condition: `\${request.uri.path == '/r${n}'}`,
      handler: { type: 'StaticResponseHandler', config: { status: 200 } },
    })
    const gw = await startGateway({
      plugins,
      routes: Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`r${n}.json`, route(n)])),
    })
    const query = async (params: string) => {
      const res = await fetch(gw.url(`${api}?_queryFilter=true&_fields=name&${params}`))
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const names = (...n: number[]) => n.map((i) => ({ _id: `r${i}`, name: `r${i}` }))
    expect(await query('_pageSize=2&_totalPagedResultsPolicy=EXACT')).toEqual({
      status: 200,
      body: {
        result: names(1, 2),
        resultCount: 2,
        pagedResultsCookie: '2',
        totalPagedResultsPolicy: 'EXACT',
        totalPagedResults: 5,
        remainingPagedResults: 3,
      },
    })
    expect(
      await query('_pageSize=2&_pagedResultsCookie=4&_totalPagedResultsPolicy=ESTIMATE'),
    ).toEqual({
      status: 200,
      body: {
        result: names(5),
        resultCount: 1,
        pagedResultsCookie: null,
        totalPagedResultsPolicy: 'EXACT',
        totalPagedResults: 5,
        remainingPagedResults: 0,
      },
    })
    expect(await query('_pageSize=3&_pagedResultsOffset=1')).toEqual({
      status: 200,
      body: {
        result: names(2, 3, 4),
        resultCount: 3,
        pagedResultsCookie: '4',
        totalPagedResultsPolicy: 'NONE',
        totalPagedResults: -1,
        remainingPagedResults: -1,
      },
    })
    expect(await query('_pageSize=2&_totalPagedResultsPolicy=SOME')).toEqual({
      status: 400,
      body: {
        code: 400,
        reason: 'Bad Request',
        message: '_totalPagedResultsPolicy must be NONE, ESTIMATE or EXACT',
      },
    })
    expect(await query('_pageSize=2&_pagedResultsCookie=2&_pagedResultsOffset=2')).toEqual({
      status: 400,
      body: {
        code: 400,
        reason: 'Bad Request',
        message: '_pagedResultsCookie and _pagedResultsOffset are mutually exclusive',
      },
    })
  })

  test('?_api returns an OpenAPI descriptor', async () => {
    const gw = await startGateway({ plugins })
    const descriptor = (await (await fetch(gw.url(`${api}?_api`))).json()) as { paths: object }
    expect(descriptor).toMatchObject({
      swagger: '2.0',
      basePath: '/openig/api/system/objects/_router/routes',
      tags: [{ name: 'Routes Endpoint' }],
    })
    expect(Object.keys(descriptor.paths)).toEqual(['/', '/{id}'])
  })

  test('the apiProtectionFilter of admin.json protects it', async () => {
    const gw = await startGateway({
      plugins,
      adminJson: {
        connectors: [{ port: 0, host: '127.0.0.1' }],
        heap: [
          {
            name: 'Denied',
            type: 'StaticResponseHandler',
            config: { status: 403, entity: 'no admin' },
          },
        ],
        apiProtectionFilter: { type: 'ChainOfFilters', config: { filters: [] } },
      },
    })
    expect((await fetch(gw.url(`${api}?_queryFilter=true`))).status).toBe(200)
  })
})
