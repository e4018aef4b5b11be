import {
  Duration,
  Expression,
  heaplet,
  Raw,
  Ref,
  requestBindings,
  Response,
  StringEnum,
  TtlCache,
  Type,
  UriRouterContext,
  type Context,
  type Filter,
  type Handler,
  type HeapletEnv,
  type Request,
  type Static,
} from '@postern/core'
import {
  AccessTokenResolverKind,
  OAuth2Context,
  type AccessTokenInfo,
  type AccessTokenResolver,
} from './access-token.js'

/** IG's default `realm`; the reference's error table shows "PingGateway", its property says OpenIG. */
export const DEFAULT_REALM = 'OpenIG'

// IG's descriptions (org.forgerock.http.oauth2.ResourceServerFilter)
const DESC_INVALID_TOKEN =
  'The access token provided is expired, revoked, malformed, or invalid for other reasons.'
const DESC_INVALID_REQUEST =
  'The request is missing a required parameter, includes an unsupported parameter or parameter value, repeats the same parameter, uses more than one method for including an access token, or is otherwise malformed.'
const DESC_INSUFFICIENT_SCOPE =
  'The request requires higher privileges than provided by the access token.'
const DESC_HTTPS_REQUIRED = 'The request must use HTTPS.'

const CacheConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Enable or disable caching.' }),
    defaultTimeout: Duration({
      default: '1 minute',
      description: 'How long to cache a token that has no valid expiry.',
    }),
    maxTimeout: Type.Optional(
      Duration({ description: 'The longest a token is cached; neither zero nor unlimited.' }),
    ),
    amService: Type.Optional(
      Raw({ description: 'The AmService whose notifications evict revoked tokens.' }),
    ),
    onNotificationDisconnection: StringEnum(
      ['NEVER_CLEAR', 'CLEAR_ON_DISCONNECT', 'CLEAR_ON_RECONNECT'],
      {
        default: 'CLEAR_ON_DISCONNECT',
        description: 'What the cache does while AM notifications are disconnected.',
      },
    ),
  },
  { additionalProperties: false },
)

export const OAuth2ResourceServerFilterConfig = Type.Object(
  {
    accessTokenResolver: Ref(AccessTokenResolverKind, {
      description: 'Resolves an access token against an Authorization Server.',
    }),
    scopes: Raw({
      default: [],
      description:
        'Scopes the access token must have: runtime expressions, or a ResourceAccess reference.',
    }),
    cache: Type.Optional(CacheConfig),
    executor: Type.Optional(Raw({ description: 'Executor service; ignored by Postern.' })),
    requireHttps: Type.Boolean({
      default: true,
      description: 'Whether the original target URI of the request must use HTTPS.',
    }),
    realm: Type.String({
      default: DEFAULT_REALM,
      description: 'The realm of the WWW-Authenticate challenges.',
    }),
  },
  { additionalProperties: false },
)
export type OAuth2ResourceServerFilterConfig = Static<typeof OAuth2ResourceServerFilterConfig>

/** A Bearer challenge (RFC 6750 §3), as IG formats it. */
export function bearerChallenge(
  realm: string,
  error?: string,
  description?: string,
  scopes?: readonly string[],
): string {
  const quote = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`
  const params = [`realm=${quote(realm)}`]
  if (error) params.push(`error=${quote(error)}`)
  if (description) params.push(`error_description=${quote(description)}`)
  if (scopes) params.push(`scope=${quote(scopes.join(' '))}`)
  return `Bearer ${params.join(', ')}`
}

function challenge(status: number, header: string): Response {
  const response = Response.of(status)
  response.headers.set('WWW-Authenticate', header)
  return response
}

/** The token cache of the filter: per entry, the token's own expiry bounded by maxTimeout. */
class AccessTokenCache {
  readonly #entries: TtlCache<string, AccessTokenInfo>
  readonly #defaultMs: number
  readonly #maxMs: number
  readonly #now: () => number
  constructor(defaultMs: number, maxMs: number, now: () => number) {
    this.#entries = new TtlCache({ now })
    this.#defaultMs = defaultMs
    this.#maxMs = maxMs
    this.#now = now
  }
  get(token: string): AccessTokenInfo | undefined {
    return this.#entries.get(token)
  }
  set(token: string, info: AccessTokenInfo): void {
    const untilExpiry = info.expiresAt === null ? this.#defaultMs : info.expiresAt - this.#now()
    const ttlMs = Math.min(untilExpiry, this.#maxMs)
    if (ttlMs > 0) this.#entries.set(token, info, { ttlMs })
  }
}

/**
 * OAuth2ResourceServerFilter: takes the access token from `Authorization: Bearer`, resolves it,
 * checks its expiry and scopes, and passes the request on with an OAuth2Context.
 */
export class OAuth2ResourceServerFilter implements Filter {
  readonly #resolver: AccessTokenResolver
  readonly #scopes: readonly Expression<unknown>[]
  readonly #realm: string
  readonly #requireHttps: boolean
  readonly #cache: AccessTokenCache | undefined
  readonly #env: HeapletEnv
  constructor(
    options: {
      resolver: AccessTokenResolver
      scopes: readonly Expression<unknown>[]
      realm: string
      requireHttps: boolean
      cache?: AccessTokenCache | undefined
    },
    env: HeapletEnv,
  ) {
    this.#resolver = options.resolver
    this.#scopes = options.scopes
    this.#realm = options.realm
    this.#requireHttps = options.requireHttps
    this.#cache = options.cache
    this.#env = env
  }

  async filter(context: Context, request: Request, next: Handler): Promise<Response> {
    const log = this.#env.logger
    if (this.#requireHttps && originalScheme(context, request) !== 'https') {
      log.debug({}, 'the request does not use HTTPS')
      return challenge(400, bearerChallenge(this.#realm, 'invalid_request', DESC_HTTPS_REQUIRED))
    }
    const authorization = request.headers.getAll('Authorization')
    if (authorization.length > 1) {
      log.debug({}, 'several Authorization headers in the request')
      return challenge(400, bearerChallenge(this.#realm, 'invalid_request', DESC_INVALID_REQUEST))
    }
    const token = bearerToken(authorization[0])
    if (token === null) {
      log.debug({}, 'no Bearer token in the Authorization header')
      return challenge(401, bearerChallenge(this.#realm))
    }
    const invalid = () =>
      challenge(401, bearerChallenge(this.#realm, 'invalid_token', DESC_INVALID_TOKEN))

    let info = this.#cache?.get(token)
    if (!info) {
      try {
        info = await this.#resolver.resolve(context, token)
      } catch (err) {
        log.debug({ err }, 'the access token cannot be resolved')
        return invalid()
      }
      this.#cache?.set(token, info)
    }
    if (info.expiresAt !== null && this.#env.now() > info.expiresAt) {
      log.debug({}, 'the access token has expired')
      return invalid()
    }

    const scope = requestBindings(this.#env.bindings, context, request)
    const needed = new Set<string>()
    for (const expression of this.#scopes) {
      const value = expression.readsEntity
        ? await expression.evaluate(scope)
        : expression.eval(scope)
      // IG: "The OAuth 2.0 resource server filter scope expression could not be resolved"
      if (value === null || value === undefined) {
        log.warn({ expression: expression.toString() }, 'a scope expression could not be resolved')
        return Response.of(500)
      }
      needed.add(String(value))
    }
    for (const name of needed) {
      if (!info.scopes.has(name)) {
        log.debug({ missing: name }, 'the access token is missing a required scope')
        return challenge(
          403,
          bearerChallenge(this.#realm, 'insufficient_scope', DESC_INSUFFICIENT_SCOPE, [...needed]),
        )
      }
    }
    return next.handle(new OAuth2Context(context, info), request)
  }
}

/** The token of `Authorization: Bearer <token>`, else null (another scheme counts as none). */
function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return match ? match[1]! : null
}

function originalScheme(context: Context, request: Request): string {
  const router = context.as(UriRouterContext)
  const uri = router ? router.originalUri : request.uri
  return String(uri.scheme ?? '').toLowerCase()
}

function scopeExpressions(scopes: unknown, env: HeapletEnv): Expression<unknown>[] {
  const list = typeof scopes === 'string' ? [scopes] : scopes
  if (!Array.isArray(list)) {
    // Differs from IG: ResourceAccess (ScriptableResourceAccess) needs @postern/scripting
    throw env.configError(
      '/scopes',
      'a ResourceAccess is not supported yet: give the scopes as a list of strings or runtime expressions',
    )
  }
  return list.map((text, i) => {
    if (typeof text !== 'string') throw env.configError(`/scopes/${i}`, 'must be a string')
    try {
      return Expression.parse(text, { functions: env.functions })
    } catch (err) {
      throw env.configError(`/scopes/${i}`, (err as Error).message, { cause: err })
    }
  })
}

function cacheOf(
  config: OAuth2ResourceServerFilterConfig['cache'],
  env: HeapletEnv,
): AccessTokenCache | undefined {
  if (!config) return undefined
  if (config.amService !== undefined)
    throw env.configError(
      '/cache/amService',
      'AM notifications are not supported yet (they need the am plugin): remove amService; tokens stay cached until their expiry or maxTimeout',
    )
  if (!config.enabled) return undefined
  const maxMs = config.maxTimeout
  if (maxMs !== undefined && (maxMs <= 0 || !Number.isFinite(maxMs)))
    throw env.configError('/cache/maxTimeout', 'cannot be zero or unlimited')
  if (!(config.defaultTimeout > 0))
    throw env.configError('/cache/defaultTimeout', 'must be greater than zero')
  return new AccessTokenCache(config.defaultTimeout, maxMs ?? Infinity, env.now)
}

export const oauth2ResourceServerFilter = heaplet({
  schema: OAuth2ResourceServerFilterConfig,
  description: 'Validates a request containing an OAuth 2.0 access token.',
  create: (config, env): Filter => {
    const scopes = scopeExpressions(config.scopes, env)
    const cache = cacheOf(config.cache, env)
    return new OAuth2ResourceServerFilter(
      {
        resolver: config.accessTokenResolver,
        scopes,
        realm: config.realm,
        requireHttps: config.requireHttps,
        cache,
      },
      env,
    )
  },
})
