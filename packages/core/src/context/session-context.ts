import type { Request } from '../messages/request.js'
import type { Response } from '../messages/response.js'
import { EL_GET, EL_SET } from '../expressions/protocol.js'
import { Context } from './context.js'

/**
 * A session: a map of names to values kept between requests of one client. Implementations
 * (InMemorySessionManager, JwtSessionManager) decide where it lives.
 */
export interface Session {
  get(key: string): unknown
  set(key: string, value: unknown): void
  delete(key: string): boolean
  has(key: string): boolean
  clear(): void
  keys(): IterableIterator<string>
  readonly size: number
  /** Writes the session back: a cookie on the response, or nothing when unchanged. */
  save(response: Response): Promise<void>
  [EL_GET](key: string | number): unknown
  [EL_SET](key: string | number, value: unknown): void
}

/** Loads the session of a request; heap objects of type InMemorySessionManager, JwtSessionManager. */
export interface SessionManager {
  load(request: Request): Promise<Session>
}

/** The session of the request: `${session.username}`, `${contexts.session.session.username}`. */
export class SessionContext extends Context {
  readonly name = 'session'
  readonly session: Session

  constructor(parent: Context, session: Session) {
    super(parent)
    this.session = session
  }
}

/**
 * A session that lives only as long as the request: what a route without a session manager gets
 * if nothing above provides one. Saving it writes nothing.
 */
export class TransientSession extends Map<string, unknown> implements Session {
  async save(): Promise<void> {}
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
