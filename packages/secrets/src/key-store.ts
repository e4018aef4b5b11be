import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import {
  referenceKind,
  heaplet,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type Static,
} from '@postern/core'
import { KeyStoreError } from './errors.js'
import { instancePath } from './file-system-secret-store.js'
import { checkStoreType, passwordOf } from './key-store-secret-store.js'
import { readPkcs12, type KeyStoreEntry } from './pkcs12.js'

/** A keystore file read once, for the deprecated KeyManager and TrustManager (KeyStore). */
export class LegacyKeyStore {
  readonly file: string
  readonly #der: Buffer
  readonly #password: string | undefined
  constructor(file: string, der: Buffer, password: string | undefined) {
    this.file = file
    this.#der = der
    this.#password = password
    readPkcs12(file, der, password, undefined, { keys: false }) // checks the type and password now
  }
  /** Private key entries, decrypted with the entry password. */
  keyEntries(entryPassword: string | undefined): KeyStoreEntry[] {
    return readPkcs12(this.file, this.#der, this.#password, entryPassword).filter(
      (e) => e.privateKey,
    )
  }
  /** Every certificate: trusted certificate entries and the certificates of key entries. */
  certificates(): KeyStoreEntry['certificates'] {
    return readPkcs12(this.file, this.#der, this.#password, undefined, { keys: false }).flatMap(
      (e) => e.certificates.slice(0, 1),
    )
  }
}

export function isLegacyKeyStore(value: unknown): value is LegacyKeyStore {
  return value instanceof LegacyKeyStore
}

/** A reference to a (deprecated) KeyStore heap object. */
export const KeyStoreKind = referenceKind('KeyStore', isLegacyKeyStore)

const KeyStoreConfig = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'URL (file:) or path of the keystore file.' }),
    passwordSecretId: Type.Optional(
      SecretId({ description: 'The secret ID of the keystore password.' }),
    ),
    type: Type.String({ default: 'PKCS12', description: 'The keystore type: PKCS12.' }),
    secretsProvider: Type.Optional(
      SecretsProviderRef({
        description: 'The SecretsProvider to query for the keystore password.',
      }),
    ),
  },
  { additionalProperties: false },
)
type KeyStoreConfig = Static<typeof KeyStoreConfig>

export const keyStore = heaplet({
  description: 'Deprecated: a PKCS#12 keystore file used by KeyManager and TrustManager.',
  schema: KeyStoreConfig,
  create: async (config: KeyStoreConfig, env) => {
    env.logger.warn({}, 'KeyStore is deprecated: use KeyStoreSecretStore')
    const file = config.url.startsWith('file:')
      ? fileURLToPath(config.url)
      : instancePath(config.url, env)
    const secrets = config.secretsProvider && secretsProviderOf(config.secretsProvider)
    if (config.passwordSecretId !== undefined && !secrets) {
      throw env.configError('/secretsProvider', 'is required to look up the keystore password')
    }
    try {
      checkStoreType(config.type, file)
      const der = await readFile(file).catch((err: unknown) => {
        throw new KeyStoreError(file, 'unreadable', 'cannot read the file', { cause: err })
      })
      return new LegacyKeyStore(file, der, await passwordOf(secrets, config.passwordSecretId))
    } catch (err) {
      throw env.configError('/url', (err as Error).message, { cause: err })
    }
  },
})
