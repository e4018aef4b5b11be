import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import {
  Duration,
  EL_GET,
  EL_SET,
  formatSetCookie,
  heaplet,
  SameSite,
  sameSiteOf,
  SecretId,
  secretsProviderOf,
  SecretsProviderRef,
  Type,
  type HeapletEnv,
  type Logger,
  type Request,
  type Response,
  type SecretsProvider,
  type Session,
  type SessionManager,
  type SetCookieOptions,
  type Static,
} from '@postern/core'
import { decryptDir, encryptDir } from './jwe-dir.js'
import { encryptionKeyProblem, ENCRYPTION_METHODS, keysFor } from './keys.js'

const MAX_TIMEOUT_MS = 3650 * 86_400_000
/** Characters of JWT per cookie: a cookie of at most 4 KB with its name and attributes. */
export const CHUNK_SIZE = 3800
const COMPRESSED = 'postern-session+deflate'

export const JwtSessionManagerConfig = Type.Object(
  {
    authenticatedEncryptionSecretId: Type.Optional(
      SecretId({ description: 'Secret ID of the symmetric key (default: a key of this process).' }),
    ),
    encryptionMethod: Type.String({ default: 'A256GCM', description: 'JWE `enc` method.' }),
    cookie: Type.Object(
      {
        name: Type.String({ default: 'openig-jwt-session', description: 'Cookie name.' }),
        domain: Type.Optional(Type.String({ description: 'Cookie domain (default: host only).' })),
        httpOnly: Type.Boolean({ default: true, description: 'Hide the cookie from scripts.' }),
        path: Type.Optional(Type.String({ description: 'Cookie path (default: the request’s).' })),
        sameSite: SameSite(),
        secure: Type.Boolean({ default: false, description: 'Send the cookie over HTTPS only.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    sessionTimeout: Duration({ default: '30 minutes', description: 'Lifetime of a session.' }),
    persistentCookie: Type.Boolean({ default: false, description: 'Give the cookie an expiry.' }),
    secretsProvider: Type.Optional(SecretsProviderRef({ description: 'Where the key is.' })),
    skewAllowance: Duration({ default: '0 seconds', description: 'Clock skew allowed.' }),
    useCompression: Type.Boolean({ default: false, description: 'Deflate before encrypting.' }),
    // the JwtSession of IG 7 and before: accepted and refused with a clear message
    keystore: Type.Optional(Type.Unknown()),
    alias: Type.Optional(Type.Unknown()),
    password: Type.Optional(Type.Unknown()),
    sharedSecret: Type.Optional(Type.Unknown()),
    signatureSecretId: Type.Optional(Type.Unknown()),
    encryptionSecretId: Type.Optional(Type.Unknown()),
    cookieName: Type.Optional(Type.Unknown()),
    cookieDomain: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
)

type Config = Static<typeof JwtSessionManagerConfig>

/** Default keys: one per process and method, so sibling routes share, other instances cannot. */
const defaultKeys = new Map<string, KeyObject>()
function defaultKey(method: string): KeyObject {
  let key = defaultKeys.get(method)
  if (!key) {
    key = createSecretKey(randomBytes(ENCRYPTION_METHODS[method]!))
    defaultKeys.set(method, key)
  }
  return key
}

interface Keys {
  encrypt(): Promise<{ key: KeyObject; kid: string | undefined }>
  decrypt(kid: unknown): Promise<KeyObject[]>
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** The JSON form of a session value, or undefined when it is not JSON-compatible. */
function jsonValue(value: unknown, depth = 0): unknown {
  if (depth > 64) return undefined
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (Array.isArray(value)) {
    const items = value.map((v) => jsonValue(v, depth + 1))
    return items.includes(undefined) ? undefined : items
  }
  if (value instanceof Map) value = Object.fromEntries(value)
  if (typeof value === 'object' && value !== null && isPlain(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const j = jsonValue(v, depth + 1)
      if (j === undefined) return undefined
      out[k] = j
    }
    return out
  }
  return undefined
}

/** A stateless session: loaded from the request's cookies, written back only when changed. */
export class JwtSession extends Map<string, unknown> implements Session {
  readonly #manager: JwtSessionManager
  readonly #original: string
  readonly #requestChunks: number

  constructor(manager: JwtSessionManager, attributes: Record<string, unknown>, chunks: number) {
    super(Object.entries(attributes))
    this.#manager = manager
    this.#original = chunks > 0 ? JSON.stringify(attributes) : '{}'
    this.#requestChunks = chunks
  }

  async save(response: Response): Promise<void> {
    await this.#manager.write(this, this.#original, this.#requestChunks, response)
  }

  [EL_GET](key: string | number): unknown {
    return this.get(String(key))
  }
  [EL_SET](key: string | number, value: unknown): void {
    if (value === null || value === undefined) this.delete(String(key))
    else this.set(String(key), value)
  }
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this)
  }
}

/**
 * JwtSessionManager (and the deprecated JwtSession): the session, as JSON, in a JWT encrypted
 * with authenticated encryption (`dir` + `encryptionMethod`), in one cookie or, above 4 KB,
 * several (`name`, `name_1`, `name_2`...).
 */
export class JwtSessionManager implements SessionManager {
  readonly cookieName: string
  readonly #config: Config
  readonly #keys: Keys
  readonly #logger: Logger
  readonly #timeoutMs: number
  readonly #now: () => number

  constructor(config: Config, keys: Keys, logger: Logger, now: () => number = Date.now) {
    this.#now = now
    this.#config = config
    this.cookieName = config.cookie.name
    this.#keys = keys
    this.#logger = logger
    this.#timeoutMs = Math.min(config.sessionTimeout, MAX_TIMEOUT_MS)
  }

  async load(request: Request): Promise<Session> {
    if (!request.headers.has('cookie')) return new JwtSession(this, {}, 0)
    const cookies = request.cookies
    const chunks: string[] = []
    for (let i = 0; ; i++) {
      const value = cookies.value(i === 0 ? this.cookieName : `${this.cookieName}_${i}`)
      if (value === undefined || value === '') break
      chunks.push(value)
    }
    if (chunks.length === 0) return new JwtSession(this, {}, 0)
    const attributes = await this.#read(chunks.join(''))
    return new JwtSession(this, attributes ?? {}, chunks.length)
  }

  /** The session attributes of a cookie value; undefined (logged) when it cannot be trusted. */
  async #read(token: string): Promise<Record<string, unknown> | undefined> {
    let header: Record<string, unknown>
    try {
      header = JSON.parse(
        Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'),
      ) as Record<string, unknown>
    } catch {
      this.#logger.warn({}, 'JWT session cookie refused: not a JWT')
      return undefined
    }
    const method = this.#config.encryptionMethod
    if (token.split('.').length !== 5 || header.alg !== 'dir' || header.enc !== method) {
      this.#logger.warn(
        {},
        'JWT session cookie refused: not a JWT encrypted with dir and ' + method,
      )
      return undefined
    }
    for (const key of await this.#keys.decrypt(header.kid)) {
      const plaintext = decryptDir(token, method, key)
      if (!plaintext) continue
      try {
        const bytes = header.cty === COMPRESSED ? inflateRawSync(plaintext) : Buffer.from(plaintext)
        const claims = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>
        const now = this.#now() / 1000
        const skew = this.#config.skewAllowance / 1000
        if (typeof claims.exp !== 'number' || now > claims.exp + skew) {
          this.#logger.info({}, 'JWT session expired')
          return undefined
        }
        if (typeof claims.iat === 'number' && claims.iat - skew > now) {
          this.#logger.warn({}, 'JWT session cookie refused: issued in the future')
          return undefined
        }
        const attributes = claims.attributes
        if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
          this.#logger.warn({}, 'JWT session cookie refused: no attributes')
          return undefined
        }
        return attributes as Record<string, unknown>
      } catch {
        this.#logger.warn({}, 'JWT session cookie refused: undecodable content')
        return undefined
      }
    }
    this.#logger.warn(
      {},
      'JWT session cookie refused: it does not decrypt (tampered, or another key)',
    )
    return undefined
  }

  /** The write-back rules: changed → new cookies; empty → expired cookies; unchanged → nothing. */
  async write(
    session: Map<string, unknown>,
    original: string,
    requestChunks: number,
    response: Response,
  ): Promise<void> {
    const attributes: Record<string, unknown> = {}
    for (const [key, value] of session) {
      const json = jsonValue(value)
      if (json === undefined) {
        this.#logger.warn({ attribute: key }, 'session attribute is not JSON-compatible: not saved')
        continue
      }
      attributes[key] = json
    }
    const keys = Object.keys(attributes)
    if (keys.length === 0) {
      for (let i = 0; i < requestChunks; i++) this.#expire(response, i)
      return
    }
    const serialized = JSON.stringify(attributes)
    if (serialized === original) return
    const now = Math.floor(this.#now() / 1000)
    const claims = JSON.stringify({
      iat: now,
      exp: now + Math.floor(this.#timeoutMs / 1000),
      attributes,
    })
    let payload: Buffer = Buffer.from(claims, 'utf8')
    const compressed = this.#config.useCompression
    if (compressed) payload = deflateRawSync(payload)
    let token: string
    try {
      const { key, kid } = await this.#keys.encrypt()
      token = encryptDir(
        {
          alg: 'dir',
          enc: this.#config.encryptionMethod,
          ...(kid ? { kid } : {}),
          ...(compressed ? { cty: COMPRESSED } : {}),
        },
        payload,
        key,
      )
    } catch (err) {
      this.#logger.error({ err }, 'the JWT session cannot be encrypted: not saved')
      return
    }
    const count = Math.ceil(token.length / CHUNK_SIZE)
    if (count > 1)
      this.#logger.debug({ bytes: token.length, cookies: count }, 'JWT session split over cookies')
    for (let i = 0; i < count; i++)
      response.headers.append(
        'Set-Cookie',
        formatSetCookie(
          this.#name(i),
          token.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE),
          this.#attributes(false),
        ),
      )
    for (let i = count; i < requestChunks; i++) this.#expire(response, i)
  }

  #name(i: number): string {
    return i === 0 ? this.cookieName : `${this.cookieName}_${i}`
  }

  #expire(response: Response, i: number): void {
    response.headers.append(
      'Set-Cookie',
      formatSetCookie(this.#name(i), '', this.#attributes(true)),
    )
  }

  #attributes(expired: boolean): SetCookieOptions {
    const c = this.#config.cookie
    const options: SetCookieOptions = {
      httpOnly: c.httpOnly,
      secure: c.secure,
      sameSite: sameSiteOf(c.sameSite),
    }
    if (c.path !== undefined) options.path = c.path
    if (c.domain !== undefined) options.domain = c.domain
    if (expired) {
      options.maxAge = 0
      options.expires = new Date(0)
    } else if (this.#config.persistentCookie) {
      options.maxAge = this.#timeoutMs / 1000
      options.expires = new Date(this.#now() + this.#timeoutMs)
    }
    return options
  }
}

const LEGACY = [
  'keystore',
  'alias',
  'password',
  'sharedSecret',
  'signatureSecretId',
  'encryptionSecretId',
  'cookieName',
  'cookieDomain',
] as const

function create(config: Config, env: HeapletEnv): Promise<JwtSessionManager> {
  return (async () => {
    for (const legacy of LEGACY)
      if (config[legacy] !== undefined)
        throw env.configError(
          `/${legacy}`,
          'is a JwtSession property of IG 7 and before: use authenticatedEncryptionSecretId with a secret store, and cookie.name / cookie.domain',
        )
    const method = config.encryptionMethod
    if (!(method in ENCRYPTION_METHODS))
      throw env.configError(
        '/encryptionMethod',
        `must be one of ${Object.keys(ENCRYPTION_METHODS).join(', ')}`,
      )
    if (config.sessionTimeout <= 0) throw env.configError('/sessionTimeout', 'must be above zero')
    if (config.sessionTimeout > MAX_TIMEOUT_MS)
      env.logger.warn({}, 'sessionTimeout above 3650 days: truncated to 3650 days')
    const secretId = config.authenticatedEncryptionSecretId
    let keys: Keys
    if (secretId === undefined) {
      env.logger.info(
        {},
        'no authenticatedEncryptionSecretId: sessions use a key of this process only',
      )
      const key = defaultKey(method)
      keys = { encrypt: async () => ({ key, kid: undefined }), decrypt: async () => [key] }
    } else {
      if (config.secretsProvider === undefined)
        throw env.configError(
          '/secretsProvider',
          'is required with authenticatedEncryptionSecretId',
        )
      const secrets = secretsProviderOf(
        config.secretsProvider as SecretsProvider | SecretsProvider[],
      )
      keys = {
        encrypt: async () => {
          const secret = await secrets.getActive(secretId, 'EncryptionKey')
          const problem = encryptionKeyProblem('dir', method, secret.key)
          if (problem) throw new Error(`secret ID "${secretId}": ${problem}`)
          return { key: secret.key, kid: secret.stableId }
        },
        decrypt: async (kid) =>
          (await keysFor(secrets, secretId, 'DecryptionKey', kid, env.logger)).map((s) => s.key),
      }
      // a missing or unusable key is a configuration error now, not a broken session later
      try {
        await keys.encrypt()
      } catch (err) {
        throw env.configError('/authenticatedEncryptionSecretId', (err as Error).message, {
          cause: err,
        })
      }
    }
    return new JwtSessionManager(config, keys, env.logger, env.now)
  })()
}

/** JwtSessionManager: stateless sessions in encrypted JWT cookies. */
export const jwtSessionManager = heaplet({
  schema: JwtSessionManagerConfig,
  description: 'Stateless sessions: the session in an encrypted JWT cookie (split above 4 KB).',
  create: (config, env) => create(config, env),
})

/** JwtSession: the deprecated name of JwtSessionManager (cookie default `openig-jwt-session`). */
export const jwtSession = heaplet({
  schema: JwtSessionManagerConfig,
  description: 'Deprecated: JwtSessionManager.',
  create: (config, env) => {
    env.logger.info({}, 'JwtSession is deprecated: use JwtSessionManager')
    return create(config, env)
  },
})
