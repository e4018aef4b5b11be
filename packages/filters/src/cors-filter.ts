import {
  Kinds,
  Duration,
  heaplet,
  MutableUri,
  Ref,
  Response,
  Type,
  type Context,
  type Filter,
  type Handler,
  type Request,
  type Static,
} from '@postern/core'

const Star = Type.Literal('*')
const Policy = Type.Object(
  {
    acceptedOrigins: Type.Optional(Type.Union([Type.Array(Type.String()), Star])),
    origins: Type.Optional(
      Type.Union([Type.Array(Type.String()), Star], {
        description: 'Deprecated: acceptedOrigins.',
      }),
    ),
    acceptedMethods: Type.Union([Type.Array(Type.String()), Star], { default: [] }),
    acceptedHeaders: Type.Union([Type.Array(Type.String()), Star], { default: [] }),
    exposedHeaders: Type.Array(Type.String(), { default: [] }),
    maxAge: Duration({ default: '5 seconds' }),
    allowCredentials: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
)
const CorsFilterConfig = Type.Object(
  {
    policies: Type.Array(Policy, {
      minItems: 1,
      description: 'Tried in order; the first whose origins match applies.',
    }),
    failureHandler: Type.Optional(
      Ref(Kinds.Handler, {
        description: 'For a preflight from an origin no policy accepts; default 403.',
      }),
    ),
  },
  { additionalProperties: false },
)
type PolicyConfig = Static<typeof Policy>

interface CorsPolicy {
  origins: Set<string> | '*'
  methods: Set<string> | '*'
  headers: Set<string> | '*'
  exposed: string
  maxAgeSeconds: number
  credentials: boolean
}

/** `https://example.com:443` and `https://example.com` are one origin; null for what is not an origin. */
function normalizeOrigin(origin: string): string | null {
  const uri = MutableUri.tryParse(origin.trim())
  if (
    !uri ||
    !uri.scheme ||
    !uri.host ||
    (uri.rawPath !== '' && uri.rawPath !== '/') ||
    uri.rawQuery !== null
  )
    return null
  const scheme = uri.scheme.toLowerCase()
  const port = uri.effectivePort
  const defaultPort = scheme === 'https' ? 443 : scheme === 'http' ? 80 : -1
  return `${scheme}://${uri.host.toLowerCase()}${port === defaultPort || port < 0 ? '' : `:${port}`}`
}

function tokens(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
}

/**
 * CorsFilter: answers preflight requests itself and adds CORS headers to the responses of actual
 * requests, for the first policy whose accepted origins match the request's Origin.
 */
export class CorsFilter implements Filter {
  readonly #policies: readonly CorsPolicy[]
  readonly #failureHandler: Handler | undefined

  constructor(policies: readonly CorsPolicy[], failureHandler: Handler | undefined) {
    this.#policies = policies
    this.#failureHandler = failureHandler
  }

  async filter(context: Context, request: Request, next: Handler): Promise<Response> {
    const origin = request.headers.get('origin')
    if (origin === undefined) return next.handle(context, request) // not a cross-origin request
    const normalized = normalizeOrigin(origin)
    const policy =
      normalized === null
        ? undefined
        : this.#policies.find((p) => p.origins === '*' || p.origins.has(normalized))
    const preflight =
      request.method === 'OPTIONS' && request.headers.has('access-control-request-method')
    if (!policy) {
      await request.entity.discard()
      return this.#failureHandler ? this.#failureHandler.handle(context, request) : Response.of(403)
    }
    if (preflight) return this.#preflight(request, origin, policy)
    const response = await next.handle(context, request)
    response.headers.set('Access-Control-Allow-Origin', origin)
    if (policy.credentials) response.headers.set('Access-Control-Allow-Credentials', 'true')
    if (policy.exposed !== '') response.headers.set('Access-Control-Expose-Headers', policy.exposed)
    response.headers.append('Vary', 'Origin')
    return response
  }

  async #preflight(request: Request, origin: string, policy: CorsPolicy): Promise<Response> {
    await request.entity.discard()
    const response = new Response({ status: 200 })
    response.headers.set('Access-Control-Allow-Origin', origin)
    response.headers.set('Vary', 'Origin')
    if (policy.credentials) response.headers.set('Access-Control-Allow-Credentials', 'true')
    response.headers.set('Access-Control-Max-Age', String(policy.maxAgeSeconds))
    // Methods are case-sensitive; a method or header that is not allowed omits its header, and the
    // browser treats the preflight as failed (the failure handler is not called).
    const method = request.headers.get('access-control-request-method')!.trim()
    if (policy.methods === '*' || policy.methods.has(method))
      response.headers.set('Access-Control-Allow-Methods', method)
    const requested = tokens(request.headers.getJoined('access-control-request-headers'))
    if (
      requested.length > 0 &&
      (policy.headers === '*' ||
        requested.every((h) => (policy.headers as Set<string>).has(h.toLowerCase())))
    ) {
      response.headers.set('Access-Control-Allow-Headers', requested.join(', '))
    }
    return response
  }
}

function toPolicy(
  config: PolicyConfig,
  fail: (pointer: string, reason: string) => never,
  at: string,
): CorsPolicy {
  const origins = config.acceptedOrigins ?? config.origins
  if (origins === undefined) fail(`${at}/acceptedOrigins`, 'is required')
  let originSet: Set<string> | '*' = '*'
  if (origins !== '*') {
    originSet = new Set()
    origins!.forEach((o, i) => {
      const n = normalizeOrigin(o)
      if (n === null)
        fail(`${at}/acceptedOrigins/${i}`, `not an origin (scheme://host[:port]): ${o}`)
      ;(originSet as Set<string>).add(n!)
    })
  }
  return {
    origins: originSet,
    methods: config.acceptedMethods === '*' ? '*' : new Set(config.acceptedMethods),
    headers:
      config.acceptedHeaders === '*'
        ? '*'
        : new Set(config.acceptedHeaders.map((h) => h.toLowerCase())),
    exposed: config.exposedHeaders.join(', '),
    maxAgeSeconds: Math.floor(config.maxAge / 1000),
    credentials: config.allowCredentials,
  }
}

export const corsFilter = heaplet({
  schema: CorsFilterConfig,
  description:
    'Cross-origin resource sharing: preflight answers, accepted origins, methods and headers.',
  create: (config, env) => {
    const fail = (pointer: string, reason: string): never => {
      throw env.configError(pointer, reason)
    }
    return new CorsFilter(
      config.policies.map((p, i) => toPolicy(p, fail, `/policies/${i}`)),
      config.failureHandler,
    )
  },
})
