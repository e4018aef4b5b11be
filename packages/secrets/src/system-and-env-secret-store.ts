import { heaplet, Type, SECRET_PURPOSES, type Static } from '@postern/core'
import {
  FormatMappings,
  formatOf,
  SecretFormat,
  type FormatValue,
  type SecretPropertyFormat,
} from './secret-property-format.js'
import { LeasedSecretStore, LeaseExpiry, leaseOf, type StoredVersion } from './store.js'

/** `my.secret.id` → `MY_SECRET_ID`, as IG names the environment variable of a secret ID. */
export function environmentName(secretId: string): string {
  return secretId.replaceAll('.', '_').toUpperCase()
}

/**
 * Secrets from system properties (the gateway's `system` bindings) and environment variables;
 * a system property named as the secret ID wins over the environment variable.
 */
export class SystemAndEnvSecretStore extends LeasedSecretStore {
  readonly purposes = SECRET_PURPOSES
  readonly #system: Readonly<Record<string, unknown>>
  readonly #env: Readonly<Record<string, unknown>>
  readonly #format: SecretPropertyFormat
  readonly #mappings: ReadonlyMap<string, SecretPropertyFormat>
  constructor(options: {
    system: Readonly<Record<string, unknown>>
    env: Readonly<Record<string, unknown>>
    format: SecretPropertyFormat
    mappings: ReadonlyMap<string, SecretPropertyFormat>
    leaseMs: number
  }) {
    super(options.leaseMs)
    this.#system = options.system
    this.#env = options.env
    this.#format = options.format
    this.#mappings = options.mappings
  }
  protected async load(secretId: string): Promise<readonly StoredVersion[]> {
    const value = this.#system[secretId] ?? this.#env[environmentName(secretId)]
    if (typeof value !== 'string') return []
    const format = this.#mappings.get(secretId) ?? this.#format
    return [
      { stableId: secretId, value: await format.decode(secretId, Buffer.from(value, 'utf8')) },
    ]
  }
}

const SystemAndEnvSecretStoreConfig = Type.Object(
  {
    format: SecretFormat({ default: 'BASE64', description: 'Format in which secrets are stored.' }),
    mappings: FormatMappings(),
    leaseExpiry: LeaseExpiry(),
  },
  { additionalProperties: false },
)
type SystemAndEnvSecretStoreConfig = Static<typeof SystemAndEnvSecretStoreConfig>

export const systemAndEnvSecretStore = heaplet({
  description:
    'Secrets from system properties and environment variables (my.secret.id -> MY_SECRET_ID).',
  schema: SystemAndEnvSecretStoreConfig,
  create: (config: SystemAndEnvSecretStoreConfig, env) =>
    new SystemAndEnvSecretStore({
      system: (env.bindings.system as Record<string, unknown> | undefined) ?? {},
      env: (env.bindings.env as Record<string, unknown> | undefined) ?? process.env,
      format: formatOf(config.format as FormatValue),
      mappings: new Map(
        config.mappings.map((m) => [m.secretId, formatOf(m.format as FormatValue)]),
      ),
      leaseMs: leaseOf(config.leaseExpiry, env.logger),
    }),
})
