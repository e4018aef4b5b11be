import { randomBytes } from 'node:crypto'
import {
  Duration,
  EL_GET,
  EL_SET,
  formatSetCookie,
  heaplet,
  SameSite,
  sameSiteOf,
  Type,
  type Logger,
  type Request,
  type Response,
  type Session,
  type SessionManager,
  type Static,
} from '@postern/core'

export const SessionCookieConfig = Type.Object(
  {
    name: Type.String({ default: 'IG_SESSIONID', description: 'Name of the session cookie.' }),
    secure: Type.Boolean({ default: false, description: 'Send the cookie over HTTPS only.' }),
    sameSite: SameSite(),
    httpOnly: Type.Boolean({ default: true, description: 'Hide the cookie from scripts.' }),
    path: Type.String({ default: '/', description: 'Path of the cookie.' }),
  },
  { additionalProperties: false, default: {} },
)

const InMemorySessionManagerConfig = Type.Object(
  {
    timeout: Duration({
      default: '30 minutes',
      description: 'How long a session lives without requests; the cookie lasts as long.',
    }),
    cookie: SessionCookieConfig,
  },
  { additionalProperties: false },
)

export type InMemorySessionManagerConfig = Static<typeof InMemorySessionManagerConfig>

interface Entry {
  readonly data: Map<string, unknown>
  expiresAt: number
  /** When the cookie was last (re)issued: it is refreshed once half its life has passed. */
  cookieAt: number
}

/**
 * A stateful session: its content stays in this process and is shared, live, by every request of
 * the client; the client holds only an id.
 */
class InMemorySession implements Session {
  readonly #manager: InMemorySessionManager
  #data: Map<string, unknown>
  #id: string | undefined
  #entry: Entry | undefined

  constructor(manager: InMemorySessionManager, id?: string, entry?: Entry) {
    this.#manager = manager
    this.#data = entry?.data ?? new Map()
    this.#id = id
    this.#entry = entry
  }

  get(key: string): unknown {
    return this.#data.get(key)
  }
  set(key: string, value: unknown): void {
    this.#data.set(key, value)
  }
  delete(key: string): boolean {
    return this.#data.delete(key)
  }
  has(key: string): boolean {
    return this.#data.has(key)
  }
  clear(): void {
    this.#data.clear()
  }
  keys(): IterableIterator<string> {
    return this.#data.keys()
  }
  get size(): number {
    return this.#data.size
  }
  [Symbol.iterator](): IterableIterator<[string, unknown]> {
    return this.#data[Symbol.iterator]()
  }

  async save(response: Response): Promise<void> {
    if (this.#entry && this.#id) return this.#manager.refresh(this.#id, this.#entry, response)
    const created = this.#manager.create(this.#data, response)
    if (created) [this.#id, this.#entry] = created
  }

  [EL_GET](key: string | number): unknown {
    return this.#data.get(String(key))
  }
  [EL_SET](key: string | number, value: unknown): void {
    if (value === null || value === undefined) this.#data.delete(String(key))
    else this.#data.set(String(key), value)
  }
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.#data)
  }
}

/**
 * InMemorySessionManager: sessions in gateway memory behind a cookie (`IG_SESSIONID`), created
 * lazily when something is first stored, expiring after `timeout` without requests. At most
 * `maxSessions` live at once: beyond that the least recently used one is dropped.
 */
export class InMemorySessionManager implements SessionManager {
  readonly timeoutMs: number
  readonly cookie: InMemorySessionManagerConfig['cookie']
  readonly maxSessions: number
  readonly #sessions = new Map<string, Entry>()
  readonly #logger: Logger
  readonly #now: () => number
  #sweeper: NodeJS.Timeout | undefined

  constructor(
    config: InMemorySessionManagerConfig,
    logger: Logger,
    options: { maxSessions?: number; now?: () => number } = {},
  ) {
    this.#now = options.now ?? Date.now
    this.timeoutMs = Math.min(config.timeout, 3650 * 86_400_000)
    this.cookie = config.cookie
    this.maxSessions = options.maxSessions ?? 100_000
    this.#logger = logger
  }

  get size(): number {
    return this.#sessions.size
  }

  async load(request: Request): Promise<Session> {
    // most requests carry no cookie at all: skip parsing then
    if (!request.headers.has('cookie')) return new InMemorySession(this)
    const id = request.cookies.value(this.cookie.name)
    const entry = id === undefined ? undefined : this.#sessions.get(id)
    if (id === undefined || entry === undefined) return new InMemorySession(this)
    const now = this.#now()
    if (entry.expiresAt <= now) {
      this.#sessions.delete(id)
      return new InMemorySession(this)
    }
    // touch: most recently used last, so eviction takes the oldest first
    this.#sessions.delete(id)
    this.#sessions.set(id, entry)
    entry.expiresAt = now + this.timeoutMs
    return new InMemorySession(this, id, entry)
  }

  /** Re-issues the cookie of a live session once half its life has passed. */
  refresh(id: string, entry: Entry, response: Response): void {
    const now = this.#now()
    if (now - entry.cookieAt <= this.timeoutMs / 2) return
    entry.cookieAt = now
    response.headers.append('Set-Cookie', this.#setCookie(id))
  }

  /** Stores a new session the first time it holds data, and sets its cookie. */
  create(data: Map<string, unknown>, response: Response): [string, Entry] | undefined {
    if (data.size === 0) return undefined
    const now = this.#now()
    const entry: Entry = { data, expiresAt: now + this.timeoutMs, cookieAt: now }
    const id = randomBytes(24).toString('base64url')
    this.#sessions.set(id, entry)
    this.#evict()
    this.#startSweeping()
    response.headers.append('Set-Cookie', this.#setCookie(id))
    return [id, entry]
  }

  #setCookie(id: string): string {
    const c = this.cookie
    return formatSetCookie(c.name, id, {
      path: c.path,
      maxAge: this.timeoutMs / 1000,
      secure: c.secure,
      httpOnly: c.httpOnly,
      sameSite: sameSiteOf(c.sameSite),
    })
  }

  #evict(): void {
    while (this.#sessions.size > this.maxSessions) {
      const oldest = this.#sessions.keys().next().value as string
      this.#sessions.delete(oldest)
      this.#logger.debug({}, 'session store full: least recently used session dropped')
    }
  }

  #startSweeping(): void {
    if (this.#sweeper) return
    const every = Math.max(1000, Math.min(this.timeoutMs, 60_000))
    this.#sweeper = setInterval(() => this.sweep(), every)
    this.#sweeper.unref()
  }

  /** Removes expired sessions. */
  sweep(now = this.#now()): void {
    for (const [id, entry] of this.#sessions) if (entry.expiresAt <= now) this.#sessions.delete(id)
  }

  close(): void {
    clearInterval(this.#sweeper)
    this.#sweeper = undefined
    this.#sessions.clear()
  }
}

/** InMemorySessionManager: stateful sessions (IG's default session). */
export const inMemorySessionManager = heaplet({
  schema: InMemorySessionManagerConfig,
  description: 'Stateful sessions kept in gateway memory behind a cookie (IG_SESSIONID).',
  create: (config, env) => {
    const system = env.bindings.system as Record<string, string> | undefined
    const max = Number(system?.['postern.session.maxSessions'])
    return new InMemorySessionManager(config, env.logger, {
      now: env.now,
      ...(Number.isInteger(max) && max > 0 ? { maxSessions: max } : {}),
    })
  },
  destroy: (manager) => manager.close(),
})
