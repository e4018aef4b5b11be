import {
  ConfigErrors,
  type ConfigError,
  heaplet,
  isValidSecretId,
  Type,
  type Static,
} from '@postern/core'
import { generic } from './material.js'
import { decodeBase64 } from './secret-property-format.js'
import { LeasedSecretStore, type StoredVersion } from './store.js'

/** Generic secrets written base64-encoded in the configuration; they never expire. */
export class Base64EncodedSecretStore extends LeasedSecretStore {
  readonly purposes = ['GenericSecret'] as const
  readonly #secrets: ReadonlyMap<string, Buffer>
  constructor(secrets: ReadonlyMap<string, Buffer>) {
    super(Number.POSITIVE_INFINITY)
    this.#secrets = secrets
  }
  protected async load(secretId: string): Promise<readonly StoredVersion[]> {
    const bytes = this.#secrets.get(secretId)
    return bytes ? [{ stableId: secretId, value: generic(bytes) }] : []
  }
}

const Base64EncodedSecretStoreConfig = Type.Object(
  {
    secrets: Type.Record(Type.String(), Type.String(), {
      description:
        'Secret IDs to base64-encoded values (or a configuration expression yielding that map).',
    }),
  },
  { additionalProperties: false },
)
type Base64EncodedSecretStoreConfig = Static<typeof Base64EncodedSecretStoreConfig>

export const base64EncodedSecretStore = heaplet({
  description: 'Generic secrets written base64-encoded in the configuration.',
  schema: Base64EncodedSecretStoreConfig,
  create: (config: Base64EncodedSecretStoreConfig, env) => {
    const errors: ConfigError[] = []
    const secrets = new Map<string, Buffer>()
    for (const [secretId, value] of Object.entries(config.secrets)) {
      const at = `/secrets/${secretId.replaceAll('~', '~0').replaceAll('/', '~1')}`
      if (!isValidSecretId(secretId)) {
        errors.push(env.configError(at, 'is not a valid secret ID'))
        continue
      }
      try {
        secrets.set(secretId, decodeBase64(secretId, value))
      } catch {
        // the message must not quote the value: it is a secret
        errors.push(env.configError(at, 'the value is not base64-encoded'))
      }
    }
    if (errors.length > 0) throw new ConfigErrors(errors)
    return new Base64EncodedSecretStore(secrets)
  },
})
