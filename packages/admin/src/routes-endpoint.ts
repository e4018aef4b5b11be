import {
  ConfigErrors,
  Response,
  type Context,
  type Handler,
  type Heap,
  type Logger,
  type Request,
} from '@postern/core'
import { pageOf, PagingError } from './paging.js'
import { parseQueryFilter, pointerGet, QueryFilterError } from './query-filter.js'

/** What the endpoint needs of a Router (structural: @postern/http's Router has it). */
export interface RouteManager {
  routes(): { id: string; name: string; source: string; config: Record<string, unknown> }[]
  route(id: string): { id: string; config: Record<string, unknown> } | undefined
  deploy(
    id: string,
    json: unknown,
    source: string,
    options?: { keepOnFailure?: boolean },
  ): Promise<unknown>
  undeploy(id: string): boolean
}

function isRouteManager(value: unknown): value is RouteManager {
  const v = value as Partial<RouteManager> | null
  return typeof v?.deploy === 'function' && typeof v.routes === 'function'
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
}

/** A Common REST error: `{code, reason, message}`. */
function error(code: number, message: string, detail?: unknown): Response {
  const body: Record<string, unknown> = { code, reason: REASONS[code] ?? 'Error', message }
  if (detail !== undefined) body.detail = detail
  const response = new Response({ status: code, entity: body })
  response.headers.set('Content-Type', 'application/json; charset=UTF-8')
  return response
}

function resourceOf(route: { id: string; config: Record<string, unknown> }) {
  return { _id: route.id, ...route.config }
}

/** `_fields`: keeps only the listed JSON pointers (`_id` always). */
function pick(resource: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  if (fields.length === 0) return resource
  const out: Record<string, unknown> = { _id: resource._id }
  for (const field of fields) {
    const value = pointerGet(resource, field)
    if (value === undefined) continue
    const keys = field.replace(/^\//, '').split('/')
    let target = out
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>
    target[keys.at(-1)!] = value
  }
  return out
}

/** The OpenAPI (Swagger 2.0) descriptor of the routes endpoint. */
function descriptor(request: Request, basePath: string, version: string) {
  const json = { 'application/json': {} }
  const idParam = { name: 'id', in: 'path', required: true, type: 'string' }
  const common = [
    { name: '_fields', in: 'query', type: 'string' },
    { name: '_prettyPrint', in: 'query', type: 'boolean' },
  ]
  return {
    swagger: '2.0',
    info: { version, title: 'Postern' },
    host: request.headers.get('host') ?? '',
    basePath,
    tags: [{ name: 'Routes Endpoint' }],
    produces: Object.keys(json),
    consumes: Object.keys(json),
    paths: {
      '/': {
        get: {
          tags: ['Routes Endpoint'],
          summary: 'Query the deployed routes',
          parameters: [
            { name: '_queryFilter', in: 'query', required: true, type: 'string' },
            { name: '_pageSize', in: 'query', type: 'integer' },
            { name: '_pagedResultsOffset', in: 'query', type: 'integer' },
            { name: '_pagedResultsCookie', in: 'query', type: 'string' },
            {
              name: '_totalPagedResultsPolicy',
              in: 'query',
              type: 'string',
              enum: ['NONE', 'ESTIMATE', 'EXACT'],
            },
            ...common,
          ],
          responses: { 200: { description: 'The routes' }, 400: { description: 'Bad filter' } },
        },
        post: {
          tags: ['Routes Endpoint'],
          summary: 'Create a route (_action=create)',
          parameters: [
            { name: '_action', in: 'query', required: true, type: 'string', enum: ['create'] },
          ],
          responses: { 201: { description: 'Created' }, 400: { description: 'Invalid route' } },
        },
      },
      '/{id}': {
        get: {
          tags: ['Routes Endpoint'],
          summary: 'Read a route',
          parameters: [idParam, ...common],
          responses: { 200: { description: 'The route' }, 404: { description: 'No such route' } },
        },
        put: {
          tags: ['Routes Endpoint'],
          summary: 'Create (If-None-Match: *) or update a route',
          parameters: [idParam, ...common],
          responses: {
            200: { description: 'Updated' },
            201: { description: 'Created' },
            400: { description: 'Invalid route' },
            412: { description: 'Exists' },
          },
        },
        delete: {
          tags: ['Routes Endpoint'],
          summary: 'Delete a route',
          parameters: [idParam, ...common],
          responses: {
            200: { description: 'The deleted route' },
            404: { description: 'No such route' },
          },
        },
      },
    },
  }
}

/**
 * Common REST on the routes of the routers of a heap:
 * `/api/system/objects/<router>/routes[/<id>]` (relative to `/openig`).
 */
export class RoutesEndpoint implements Handler {
  readonly #heap: Heap
  readonly #logger: Logger
  readonly #version: string

  constructor(heap: Heap, logger: Logger, version: string) {
    this.#heap = heap
    this.#logger = logger
    this.#version = version
  }

  async handle(_context: Context, request: Request): Promise<Response> {
    const m = /^\/api\/system\/objects\/([^/]+)\/routes(?:\/([^/]+))?\/?$/.exec(request.uri.path)
    if (!m) return error(404, `no resource at ${request.uri.path}`)
    const routerName = m[1]!
    const id = m[2]
    const router = this.#heap.has(routerName)
      ? await this.#heap.get<unknown>(routerName).catch(() => undefined)
      : undefined
    if (!isRouteManager(router)) return error(404, `no router named ${routerName}`)
    const params = new URLSearchParams(request.uri.rawQuery ?? '')
    const pretty = params.get('_prettyPrint') === 'true'
    const fields = (params.get('_fields') ?? '').split(',').filter(Boolean)
    const json = (status: number, body: unknown) => {
      const response = new Response({
        status,
        entity: JSON.stringify(body, null, pretty ? 2 : undefined),
      })
      response.headers.set('Content-Type', 'application/json; charset=UTF-8')
      return response
    }
    if (params.has('_api') && id === undefined)
      return json(
        200,
        descriptor(request, `/openig/api/system/objects/${routerName}/routes`, this.#version),
      )

    if (id === undefined) {
      if (request.method === 'GET') return this.#query(router, params, fields, json)
      if (request.method === 'POST' && params.get('_action') === 'create') {
        const body = await this.#body(request)
        if (body instanceof Response) return body
        const newId =
          typeof body._id === 'string' && body._id !== '' ? body._id : crypto.randomUUID()
        if (router.route(newId)) return error(412, `route ${newId} already exists`)
        return this.#deploy(router, newId, body, 201, fields, json, routerName)
      }
      return error(405, `${request.method} is not supported on the routes collection`)
    }
    const routeId = decodeURIComponent(id)
    switch (request.method) {
      case 'GET': {
        const route = router.route(routeId)
        return route
          ? json(200, pick(resourceOf(route), fields))
          : error(404, `no route ${routeId}`)
      }
      case 'PUT': {
        const ifNoneMatch = request.headers.get('if-none-match')
        if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*')
          return error(400, 'If-None-Match must be *')
        const exists = router.route(routeId) !== undefined
        if (ifNoneMatch !== undefined && exists)
          return error(412, `route ${routeId} already exists`)
        const ifMatch = request.headers.get('if-match')
        if (ifMatch !== undefined && ifMatch.trim() !== '*' && !exists)
          return error(404, `no route ${routeId}`)
        const body = await this.#body(request)
        if (body instanceof Response) return body
        if (typeof body._id === 'string' && body._id !== routeId)
          return error(400, `_id ${body._id} does not match the URL (${routeId})`)
        return this.#deploy(router, routeId, body, exists ? 200 : 201, fields, json, routerName)
      }
      case 'DELETE': {
        const route = router.route(routeId)
        if (!route || !router.undeploy(routeId)) return error(404, `no route ${routeId}`)
        this.#logger.info({ route: routeId }, 'route deleted through the REST API')
        return json(200, pick(resourceOf(route), fields))
      }
      default:
        return error(405, `${request.method} is not supported on a route`)
    }
  }

  async #body(request: Request): Promise<Record<string, unknown> | Response> {
    let body: unknown
    try {
      body = JSON.parse(await request.entity.text())
    } catch {
      return error(400, 'the route must be a JSON object')
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return error(400, 'the route must be a JSON object')
    return body as Record<string, unknown>
  }

  async #deploy(
    router: RouteManager,
    id: string,
    body: Record<string, unknown>,
    status: number,
    fields: string[],
    json: (status: number, body: unknown) => Response,
    routerName: string,
  ): Promise<Response> {
    const { _id: _ignored, ...config } = body
    try {
      await router.deploy(id, config, `api:${routerName}/routes/${id}`, { keepOnFailure: true })
    } catch (err) {
      if (err instanceof ConfigErrors)
        return error(400, err.errors.map((e) => e.message).join('; '), {
          errors: err.errors.map((e) => e.message),
        })
      this.#logger.error({ err, route: id }, 'route not deployed')
      return error(500, (err as Error).message)
    }
    this.#logger.info({ route: id }, 'route deployed through the REST API')
    const response = json(status, pick({ _id: id, ...config }, fields))
    if (status === 201)
      response.headers.set(
        'Location',
        `/openig/api/system/objects/${routerName}/routes/${encodeURIComponent(id)}`,
      )
    return response
  }

  #query(
    router: RouteManager,
    params: URLSearchParams,
    fields: string[],
    json: (status: number, body: unknown) => Response,
  ): Response {
    const filterText = params.get('_queryFilter')
    if (filterText === null) return error(400, '_queryFilter is required')
    let filter
    try {
      filter = parseQueryFilter(filterText)
    } catch (err) {
      if (err instanceof QueryFilterError) return error(400, err.message)
      throw err
    }
    const all = router.routes().map(resourceOf).filter(filter)
    let page
    try {
      page = pageOf(all, params)
    } catch (err) {
      if (err instanceof PagingError) return error(400, err.message)
      throw err
    }
    return json(200, { ...page, result: page.result.map((r) => pick(r, fields)) })
  }
}
