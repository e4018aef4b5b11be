import {
  Duration,
  isValidSecretId,
  NoSuchSecretError,
  type Logger,
  type SecretOf,
  type SecretPurpose,
  type SecretStore,
} from '@postern/core'
import { secretFor, type StoredValue } from './material.js'

/** IG's default lease of the secrets a store produces. */
export const DEFAULT_LEASE_MS = 5 * 60_000

/** The `leaseExpiry` property every store shares. */
export function LeaseExpiry() {
  return Duration({
    default: '5 minutes',
    description:
      'How long secrets produced by this store can be cached before they must be refreshed.',
  })
}

/** IG warns and uses the default for a lease that is zero or unlimited. */
export function leaseOf(ms: number, logger: Logger): number {
  if (ms > 0 && Number.isFinite(ms)) return ms
  logger.warn({ leaseExpiry: ms }, 'leaseExpiry must be positive and finite, using 5 minutes')
  return DEFAULT_LEASE_MS
}

/** One version of a secret: its stable ID and decoded value. */
export interface StoredVersion {
  readonly stableId: string
  readonly value: StoredValue
}

interface Cached {
  readonly versions: readonly StoredVersion[]
  readonly expiresAt: number
}

/**
 * The lookups every store shares: the versions of a secret ID, active first, are loaded once per
 * lease (concurrent callers share the load) and turned into secrets for the purpose asked.
 */
export abstract class LeasedSecretStore implements SecretStore {
  abstract readonly purposes: readonly SecretPurpose[]
  readonly #leaseMs: number
  readonly #cache = new Map<string, Cached>()
  readonly #pending = new Map<string, Promise<Cached>>()
  #generation = 0
  #unwatch: (() => void) | undefined

  constructor(leaseMs: number) {
    this.#leaseMs = leaseMs
  }

  /** The versions of a secret, active first; empty when the store does not hold it. */
  protected abstract load(secretId: string): Promise<readonly StoredVersion[]>

  /** Keeps the function that stops an autoRefresh watcher, for close(). */
  protected watching(unwatch: (() => void) | undefined): void {
    this.#unwatch = unwatch
  }

  /** Whether an autoRefresh watcher is running. */
  get autoRefreshing(): boolean {
    return this.#unwatch !== undefined
  }

  /** Stops the autoRefresh watcher: called when the heap is destroyed. */
  close(): void {
    this.#unwatch?.()
    this.#unwatch = undefined
  }

  /** Forgets what was loaded: the next lookup reads the source again (autoRefresh). */
  invalidate(): void {
    this.#generation++
    this.#cache.clear()
    this.#pending.clear()
  }

  async getActive<P extends SecretPurpose>(secretId: string, purpose: P): Promise<SecretOf<P>> {
    const { versions, expiresAt } = await this.#versions(secretId, purpose)
    for (const v of versions) {
      const secret = secretFor(purpose, v.value, v.stableId, expiresAt)
      if (secret) return secret
    }
    throw new NoSuchSecretError(secretId, purpose)
  }

  async getNamed<P extends SecretPurpose>(
    secretId: string,
    stableId: string,
    purpose: P,
  ): Promise<SecretOf<P>> {
    const { versions, expiresAt } = await this.#versions(secretId, purpose, stableId)
    const v = versions.find((version) => version.stableId === stableId)
    const secret = v && secretFor(purpose, v.value, v.stableId, expiresAt)
    if (!secret) throw new NoSuchSecretError(secretId, purpose, stableId)
    return secret
  }

  async getValid<P extends SecretPurpose>(secretId: string, purpose: P): Promise<SecretOf<P>[]> {
    if (!this.purposes.includes(purpose) || !isValidSecretId(secretId)) return []
    const { versions, expiresAt } = await this.#cached(secretId)
    const valid: SecretOf<P>[] = []
    for (const v of versions) {
      const secret = secretFor(purpose, v.value, v.stableId, expiresAt)
      if (secret) valid.push(secret)
    }
    return valid
  }

  async #versions(secretId: string, purpose: SecretPurpose, stableId?: string): Promise<Cached> {
    // An invalid secret ID is never looked up: for a file store it could name another directory.
    if (!this.purposes.includes(purpose) || !isValidSecretId(secretId)) {
      throw new NoSuchSecretError(secretId, purpose, stableId)
    }
    return this.#cached(secretId)
  }

  #cached(secretId: string): Promise<Cached> {
    const hit = this.#cache.get(secretId)
    if (hit && Date.now() < hit.expiresAt) return Promise.resolve(hit)
    let pending = this.#pending.get(secretId)
    if (!pending) {
      const generation = this.#generation
      pending = this.load(secretId)
        .then((versions) => {
          const cached = { versions, expiresAt: Date.now() + this.#leaseMs }
          if (generation === this.#generation) this.#cache.set(secretId, cached)
          return cached
        })
        .finally(() => {
          if (this.#pending.get(secretId) === pending) this.#pending.delete(secretId)
        })
      this.#pending.set(secretId, pending)
    }
    return pending
  }
}
