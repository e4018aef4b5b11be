import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import {
  heaplet,
  SECRET_PURPOSES,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type HeapletEnv,
  type Logger,
  type SecretsProvider,
  type Static,
} from '@postern/core'
import { AutoRefresh, watchForChanges } from './auto-refresh.js'
import { KeyStoreError } from './errors.js'
import { instancePath } from './file-system-secret-store.js'
import { keys, type StoredValue } from './material.js'
import { readPkcs12, type KeyStoreEntry } from './pkcs12.js'
import { LeasedSecretStore, LeaseExpiry, leaseOf, type StoredVersion } from './store.js'

/** How a secret ID maps to keystore aliases: a list (first is active) or regular expressions. */
export interface AliasMapping {
  readonly secretId: string
  readonly aliases?: readonly string[]
  readonly aliasesMatching?: readonly RegExp[]
}

/** The value of a keystore entry, as the other stores decode theirs. */
export function entryValue(entry: KeyStoreEntry): StoredValue {
  return keys({
    ...(entry.privateKey ? { privateKey: entry.privateKey } : {}),
    ...(entry.secretKey ? { secretKey: entry.secretKey } : {}),
    certificates: entry.certificates,
    origin: 'keystore',
  })
}

/** Reads a GenericSecret as a password, or undefined without a secret ID. */
export async function passwordOf(
  secrets: SecretsProvider | undefined,
  secretId: string | undefined,
): Promise<string | undefined> {
  if (secretId === undefined || !secrets) return undefined
  return (await secrets.getActive(secretId, 'GenericSecret')).revealAsUtf8()
}

/**
 * The storeType IG accepts that Node can read. Differs from IG: PKCS#12 only; JKS and JCEKS are
 * refused with the keytool command that converts them.
 */
export function checkStoreType(storeType: string, file: string): void {
  const type = storeType.toUpperCase()
  if (type === 'PKCS12' || type === 'PKCS#12' || type === 'P12') return
  if (type === 'JKS' || type === 'JCEKS') {
    throw new KeyStoreError(
      file,
      'unsupported-type',
      `${type} keystores are not supported, only PKCS#12; convert it with ` +
        `keytool -importkeystore -srckeystore ${file} -destkeystore <new>.p12 -deststoretype PKCS12`,
    )
  }
  throw new KeyStoreError(
    file,
    'unsupported-type',
    `storeType ${storeType} is not supported, only PKCS12`,
  )
}

export interface KeyStoreSecretStoreOptions {
  file: string
  mappings: readonly AliasMapping[]
  /** Reads the passwords (store, entry) each time the keystore is loaded. */
  passwords: () => Promise<{ store: string | undefined; entry: string | undefined }>
  leaseMs: number
  logger: Logger
}

/**
 * Keys and certificates of a PKCS#12 keystore, mapped from aliases to secret IDs. The first
 * mapped alias is the active secret; every mapped alias is valid; the stable ID is the alias.
 */
export class KeyStoreSecretStore extends LeasedSecretStore {
  readonly purposes = SECRET_PURPOSES
  readonly #options: KeyStoreSecretStoreOptions
  #entries: readonly KeyStoreEntry[] = []
  #reloading: Promise<void> | undefined
  #changedWhileReloading = false

  constructor(options: KeyStoreSecretStoreOptions) {
    super(options.leaseMs)
    this.#options = options
  }

  /** Reads the keystore; rejects with a KeyStoreError (wrong password, JKS, not PKCS#12). */
  async open(): Promise<void> {
    const { file } = this.#options
    let der: Buffer
    try {
      der = await readFile(file)
    } catch (err) {
      throw new KeyStoreError(file, 'unreadable', 'cannot read the file', { cause: err })
    }
    const { store, entry } = await this.#options.passwords()
    this.#entries = readPkcs12(file, der, store, entry)
    this.invalidate()
  }

  /** Watches the keystore file: when it is replaced or edited, it is read again. */
  autoRefresh(): void {
    const { file, logger } = this.#options
    this.watching(watchForChanges(dirname(file), logger, () => void this.reload(), basename(file)))
  }

  /** The aliases of the keystore, lowercase as Java reads them. */
  get aliases(): string[] {
    return this.#entries.map((e) => e.alias)
  }

  /** Reloads after a change of the file; a failed reload keeps the keystore last read. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#changedWhileReloading = true
      return this.#reloading
    }
    this.#reloading = this.open()
      .then(() => this.#options.logger.info({ file: this.#options.file }, 'keystore reloaded'))
      .catch((err: unknown) =>
        this.#options.logger.warn(
          { err, file: this.#options.file },
          'keystore reload failed, keeping the keys read before',
        ),
      )
      .finally(() => {
        this.#reloading = undefined
        if (this.#changedWhileReloading) {
          this.#changedWhileReloading = false
          void this.reload()
        }
      })
    return this.#reloading
  }

  protected async load(secretId: string): Promise<readonly StoredVersion[]> {
    const found: KeyStoreEntry[] = []
    for (const mapping of this.#options.mappings) {
      if (mapping.secretId !== secretId) continue
      for (const alias of mapping.aliases ?? []) {
        const entry = this.#entries.find((e) => e.alias === alias.toLowerCase())
        if (entry && !found.includes(entry)) found.push(entry)
      }
      for (const pattern of mapping.aliasesMatching ?? []) {
        for (const entry of this.#entries) {
          if (pattern.test(entry.alias) && !found.includes(entry)) found.push(entry)
        }
      }
    }
    return found.map((entry) => ({ stableId: entry.alias, value: entryValue(entry) }))
  }
}

const Mapping = Type.Object(
  {
    secretId: SecretId({ description: 'The secret ID of the key.' }),
    aliases: Type.Optional(
      Type.Array(Type.String(), { description: 'Key aliases; the first is the active secret.' }),
    ),
    aliasesMatching: Type.Optional(
      Type.Array(Type.String(), { description: 'Regular expressions matching key aliases.' }),
    ),
  },
  { additionalProperties: false },
)

const KeyStoreSecretStoreConfig = Type.Object(
  {
    file: Type.String({ minLength: 1, description: 'The path to the keystore file.' }),
    storeType: Type.String({ default: 'PKCS12', description: 'The keystore type: PKCS12.' }),
    storePasswordSecretId: Type.Optional(
      SecretId({ description: 'The secret ID of the password to access the keystore.' }),
    ),
    entryPasswordSecretId: Type.Optional(
      SecretId({ description: 'The secret ID of the password to access entries in the keystore.' }),
    ),
    secretsProvider: Type.Optional(
      SecretsProviderRef({ description: 'The SecretsProvider to query for the passwords.' }),
    ),
    mappings: Type.Array(Mapping, {
      minItems: 1,
      description: 'Mappings of one secret ID to one or more aliases.',
    }),
    leaseExpiry: LeaseExpiry(),
    securityProvider: Type.Optional(
      Type.String({ description: 'Java security provider: accepted and ignored.' }),
    ),
    autoRefresh: Type.Optional(AutoRefresh()),
    storePassword: Type.Optional(
      SecretId({ description: 'Deprecated: use storePasswordSecretId.' }),
    ),
    keyEntryPassword: Type.Optional(
      SecretId({ description: 'Deprecated: use entryPasswordSecretId.' }),
    ),
  },
  { additionalProperties: false },
)
type KeyStoreSecretStoreConfig = Static<typeof KeyStoreSecretStoreConfig>

/** Compiles the mappings; a mapping with both or neither of aliases and aliasesMatching is an error. */
export function aliasMappings(
  mappings: KeyStoreSecretStoreConfig['mappings'],
  env: HeapletEnv,
): AliasMapping[] {
  return mappings.map((m, i) => {
    const at = `/mappings/${i}`
    if ((m.aliases === undefined) === (m.aliasesMatching === undefined)) {
      throw env.configError(at, 'use aliases or aliasesMatching, not both')
    }
    const aliasesMatching = m.aliasesMatching?.map((pattern, j) => {
      try {
        return new RegExp(`^(?:${pattern})$`, 'i') // Java's matches(): the whole alias
      } catch (err) {
        throw env.configError(`${at}/aliasesMatching/${j}`, 'is not a valid regular expression', {
          cause: err,
        })
      }
    })
    return {
      secretId: m.secretId,
      ...(m.aliases ? { aliases: m.aliases } : {}),
      ...(aliasesMatching ? { aliasesMatching } : {}),
    }
  })
}

export const keyStoreSecretStore = heaplet({
  description: 'Keys and certificates from a PKCS#12 keystore, mapped from aliases to secret IDs.',
  schema: KeyStoreSecretStoreConfig,
  create: async (config: KeyStoreSecretStoreConfig, env) => {
    const file = instancePath(config.file, env)
    if (config.storePassword !== undefined || config.keyEntryPassword !== undefined) {
      env.logger.warn(
        {},
        'storePassword and keyEntryPassword are deprecated: use storePasswordSecretId and entryPasswordSecretId',
      )
    }
    if (config.securityProvider !== undefined) {
      env.logger.warn({ securityProvider: config.securityProvider }, 'securityProvider is ignored')
    }
    const storeSecretId = config.storePasswordSecretId ?? config.storePassword
    const entrySecretId = config.entryPasswordSecretId ?? config.keyEntryPassword ?? storeSecretId
    const secrets = config.secretsProvider && secretsProviderOf(config.secretsProvider)
    if (storeSecretId !== undefined && !secrets) {
      throw env.configError('/secretsProvider', 'is required to look up the keystore password')
    }
    const fail = (err: unknown): never => {
      const reason = err instanceof Error ? err.message : String(err)
      throw env.configError('/file', reason, { cause: err })
    }
    try {
      checkStoreType(config.storeType, file)
    } catch (err) {
      fail(err)
    }
    const store = new KeyStoreSecretStore({
      file,
      mappings: aliasMappings(config.mappings, env),
      passwords: async () => ({
        store: await passwordOf(secrets, storeSecretId),
        entry: await passwordOf(secrets, entrySecretId),
      }),
      leaseMs: leaseOf(config.leaseExpiry, env.logger),
      logger: env.logger,
    })
    await store.open().catch(fail)
    if (config.autoRefresh?.enabled === true) store.autoRefresh()
    return store
  },
  destroy: (store) => store.close(),
})
