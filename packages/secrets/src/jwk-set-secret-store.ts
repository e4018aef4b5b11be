import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { request as undiciRequest, type Dispatcher } from 'undici'
import {
  Kinds,
  Duration,
  fetchJson,
  handlerOf,
  heaplet,
  NoSuchSecretError,
  parseDuration,
  Ref,
  Request,
  Response,
  SecretError,
  singleFlight,
  Type,
  type Handler,
  type KeyPurpose,
  type Logger,
  type SecretOf,
  type SecretPurpose,
  type SecretStore,
  type Static,
} from '@postern/core'
import { jwkMaterial, jwkThumbprint } from './jwk.js'
import { keys, secretFor, type StoredValue } from './material.js'
import { LeaseExpiry, leaseOf } from './store.js'

/** IG's floor for `cacheTimeout`: a lower value is logged and replaced by the default. */
export const MIN_CACHE_TIMEOUT_MS = 10_000
const DEFAULT_CACHE_MS = 2 * 60_000
/** Most bytes of a JWK Set (`-Dpostern.jwks.limit` changes it). */
export const JWKS_LIMIT_BYTES = 512 * 1024
/** Deadline of a fetch of the set, whatever the handler's own timeouts (`-Dpostern.jwks.timeout`). */
export const JWKS_TIMEOUT_MS = 10_000
// After a failed first fetch, lookups get the same failure this long (at most cacheMissCacheTime)
// instead of each asking an authorization server that is down.
const FAILURE_COOLDOWN_MS = 10_000

const KEY_PURPOSES: readonly KeyPurpose[] = [
  'SigningKey',
  'VerificationKey',
  'CertificateVerificationKey',
  'EncryptionKey',
  'DecryptionKey',
]

interface JwkSet {
  readonly keys: readonly { stableId: string; value: StoredValue }[]
  readonly fetchedAt: number
}

export interface JwkSetSecretStoreOptions {
  jwkUrl: string
  /** Fetches the set; default: undici, or the file for a file: URL. */
  handler?: Handler | undefined
  cacheTimeoutMs: number
  cacheMissCacheTimeMs: number
  leaseMs: number
  logger: Logger
  /** Deadline of a fetch. Default JWKS_TIMEOUT_MS. */
  timeoutMs?: number
  /** Most bytes of the set, declared or streamed. Default JWKS_LIMIT_BYTES. */
  limitBytes?: number
}

/**
 * The keys of a local or remote JWK Set. The set is fetched on first use, again after
 * `cacheTimeout`, and again for an unknown `kid` at most once per `cacheMissCacheTime`, so
 * rotated keys are found without refetch storms. Concurrent lookups share one fetch, which gives
 * up at its own deadline and past its byte limit; a failed first fetch is not retried for 10
 * seconds (or cacheMissCacheTime if shorter). The secret ID is not used to select keys: every key
 * of the set serves the purposes its `use` and `key_ops` allow, in the order of the set.
 */
export class JwkSetSecretStore implements SecretStore {
  readonly purposes: readonly SecretPurpose[] = KEY_PURPOSES
  readonly #options: JwkSetSecretStoreOptions
  readonly #refresh: () => Promise<JwkSet>
  #set: JwkSet | undefined
  #lastAttempt = Number.NEGATIVE_INFINITY
  #fetches = 0

  constructor(options: JwkSetSecretStoreOptions) {
    this.#options = options
    this.#refresh = singleFlight(() => this.#load(), {
      cooldownMs: Math.min(options.cacheMissCacheTimeMs, FAILURE_COOLDOWN_MS),
    })
  }

  /** How many times the set was fetched (for operators and tests). */
  get fetchCount(): number {
    return this.#fetches
  }

  async getActive<P extends SecretPurpose>(secretId: string, purpose: P): Promise<SecretOf<P>> {
    const [first] = await this.getValid(secretId, purpose)
    if (!first) throw new NoSuchSecretError(secretId, purpose)
    return first
  }

  async getNamed<P extends SecretPurpose>(
    secretId: string,
    stableId: string,
    purpose: P,
  ): Promise<SecretOf<P>> {
    if (!this.purposes.includes(purpose)) throw new NoSuchSecretError(secretId, purpose, stableId)
    let set = await this.#current()
    let found = this.#named(set, stableId, purpose)
    // An unknown kid may be a rotated key: look again, at most once per cacheMissCacheTime.
    if (!found && Date.now() - this.#lastAttempt >= this.#options.cacheMissCacheTimeMs) {
      set = await this.#refresh()
      found = this.#named(set, stableId, purpose)
    }
    if (!found) throw new NoSuchSecretError(secretId, purpose, stableId)
    return found
  }

  async getValid<P extends SecretPurpose>(_secretId: string, purpose: P): Promise<SecretOf<P>[]> {
    if (!this.purposes.includes(purpose)) return []
    const set = await this.#current()
    const expiresAt = set.fetchedAt + this.#options.leaseMs
    const valid: SecretOf<P>[] = []
    for (const key of set.keys) {
      const secret = secretFor(purpose, key.value, key.stableId, expiresAt)
      if (secret) valid.push(secret)
    }
    return valid
  }

  #named<P extends SecretPurpose>(
    set: JwkSet,
    stableId: string,
    purpose: P,
  ): SecretOf<P> | undefined {
    const key = set.keys.find((k) => k.stableId === stableId)
    return key && secretFor(purpose, key.value, key.stableId, set.fetchedAt + this.#options.leaseMs)
  }

  #current(): Promise<JwkSet> {
    const set = this.#set
    if (set && Date.now() - set.fetchedAt < this.#options.cacheTimeoutMs)
      return Promise.resolve(set)
    // A failed refresh is not retried before cacheMissCacheTime: the old set keeps serving.
    if (set && Date.now() - this.#lastAttempt < this.#options.cacheMissCacheTimeMs) {
      return Promise.resolve(set)
    }
    return this.#refresh()
  }

  async #load(): Promise<JwkSet> {
    this.#lastAttempt = Date.now()
    this.#fetches++
    const { logger, jwkUrl } = this.#options
    let document: unknown
    try {
      document = await this.#fetch()
    } catch (err) {
      if (this.#set) {
        logger.warn({ err, jwkUrl }, 'JWK Set refresh failed, keeping the keys fetched before')
        return this.#set
      }
      logger.warn({ err, jwkUrl }, 'JWK Set not fetched') // once per failure cooldown
      throw new SecretError('jwkUrl', `cannot fetch the JWK Set from ${jwkUrl}`, { cause: err })
    }
    const list = (document as { keys?: unknown } | null)?.keys
    if (!Array.isArray(list)) {
      const err = new SecretError('jwkUrl', `${jwkUrl} is not a JWK Set: "keys" is missing`)
      if (this.#set) {
        logger.warn({ err, jwkUrl }, 'JWK Set refresh failed, keeping the keys fetched before')
        return this.#set
      }
      throw err
    }
    const parsed: { stableId: string; value: StoredValue }[] = []
    for (const [i, jwk] of list.entries()) {
      try {
        const material = jwkMaterial(jwk as Record<string, unknown>)
        const kid = (jwk as { kid?: unknown }).kid
        const stableId =
          typeof kid === 'string' ? kid : jwkThumbprint(jwk as Record<string, unknown>)
        parsed.push({ stableId, value: keys(material) })
      } catch (err) {
        logger.warn({ err, jwkUrl, index: i }, 'JWK ignored: cannot be read')
      }
    }
    this.#set = { keys: parsed, fetchedAt: Date.now() }
    logger.debug({ jwkUrl, keys: parsed.length }, 'JWK Set fetched')
    return this.#set
  }

  async #fetch(): Promise<unknown> {
    const { jwkUrl, handler } = this.#options
    if (jwkUrl.startsWith('file:')) {
      return JSON.parse(await readFile(fileURLToPath(jwkUrl), 'utf8'))
    }
    return fetchJson(handler ?? undiciHandler, new Request({ method: 'GET', uri: jwkUrl }), {
      timeoutMs: this.#options.timeoutMs ?? JWKS_TIMEOUT_MS,
      limitBytes: this.#options.limitBytes ?? JWKS_LIMIT_BYTES,
    })
  }
}

/** undici's global dispatcher as a Handler, for a gateway without the http plugin's ClientHandler. */
const undiciHandler: Handler = handlerOf(async (_context, request) => {
  const upstream = await undiciRequest(request.uri.toString(), {
    method: request.method as Dispatcher.HttpMethod,
    headers: Object.fromEntries(request.headers),
    signal: request.signal,
  })
  const response = new Response({ status: upstream.statusCode })
  const declared = upstream.headers['content-length']
  response.entity.setStream(upstream.body, declared === undefined ? undefined : Number(declared))
  return response
})

const JwkSetSecretStoreConfig = Type.Object(
  {
    jwkUrl: Type.String({
      minLength: 1,
      description: 'The URL of the JWK Set (https:, http: or file:).',
    }),
    handler: Type.Optional(
      Ref(Kinds.Handler, { description: 'The Handler that fetches the jwkUrl.' }),
    ),
    cacheTimeout: Duration({
      default: '2 minutes',
      description: 'Delay before the cache is reloaded.',
    }),
    cacheMissCacheTime: Duration({
      default: '2 minutes',
      description: 'Delay before the cache is reloaded for a key that is not found.',
    }),
    leaseExpiry: LeaseExpiry(),
  },
  { additionalProperties: false },
)
type JwkSetSecretStoreConfig = Static<typeof JwkSetSecretStoreConfig>

export const jwkSetSecretStore = heaplet({
  description: 'Keys from a local or remote JWK Set, cached and refreshed.',
  schema: JwkSetSecretStoreConfig,
  create: async (config: JwkSetSecretStoreConfig, env) => {
    let cacheTimeoutMs = config.cacheTimeout
    if (!(cacheTimeoutMs >= MIN_CACHE_TIMEOUT_MS) || !Number.isFinite(cacheTimeoutMs)) {
      env.logger.warn(
        { cacheTimeout: cacheTimeoutMs },
        'cacheTimeout below 10 seconds, using 2 minutes',
      )
      cacheTimeoutMs = DEFAULT_CACHE_MS
    }
    // IG's default handler is the heap's ClientHandler; without the http plugin, undici directly.
    let handler = config.handler
    if (!handler && !config.jwkUrl.startsWith('file:') && env.heap.has('ClientHandler')) {
      handler = await env.heap.get('ClientHandler', Kinds.Handler).catch(() => undefined)
    }
    // Postern's own settings, as system properties: not IG properties of the store
    const system = (env.bindings.system ?? {}) as Record<string, string | undefined>
    const timeout = system['postern.jwks.timeout']
    const limit = Number(system['postern.jwks.limit'])
    return new JwkSetSecretStore({
      jwkUrl: config.jwkUrl,
      handler,
      cacheTimeoutMs,
      cacheMissCacheTimeMs: config.cacheMissCacheTime,
      leaseMs: leaseOf(config.leaseExpiry, env.logger),
      logger: env.logger,
      ...(timeout === undefined ? {} : { timeoutMs: parseDuration(timeout) }),
      ...(Number.isInteger(limit) && limit > 0 ? { limitBytes: limit } : {}),
    })
  },
})
