import { readdir, readFile, stat } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import {
  heaplet,
  SECRET_PURPOSES,
  Type,
  type HeapletEnv,
  type Logger,
  type Static,
} from '@postern/core'
import { AutoRefresh, watchForChanges } from './auto-refresh.js'
import {
  FormatMappings,
  formatOf,
  SecretFormat,
  type FormatValue,
  type SecretPropertyFormat,
} from './secret-property-format.js'
import { LeasedSecretStore, LeaseExpiry, leaseOf, type StoredVersion } from './store.js'

export interface FileSystemSecretStoreOptions {
  directory: string
  format: SecretPropertyFormat
  mappings: ReadonlyMap<string, SecretPropertyFormat>
  suffix: string
  versionSuffix: string | undefined
  leaseMs: number
}

/**
 * One secret per file: `<secretId><suffix>`, or with `versionSuffix` every
 * `<secretId><versionSuffix><n><suffix>`, the largest version being active. Files are read
 * lazily, once per lease; the stable ID of a version is its file name.
 */
export class FileSystemSecretStore extends LeasedSecretStore {
  readonly purposes = SECRET_PURPOSES
  readonly #options: FileSystemSecretStoreOptions
  constructor(options: FileSystemSecretStoreOptions) {
    super(options.leaseMs)
    this.#options = options
  }

  /** Watches the directory: an edited or deleted file is read again before its lease ends. */
  autoRefresh(logger: Logger): void {
    const { directory } = this.#options
    this.watching(
      watchForChanges(directory, logger, () => {
        logger.debug({ directory }, 'secret files changed, store refreshed')
        this.invalidate()
      }),
    )
  }

  get directory(): string {
    return this.#options.directory
  }

  protected async load(secretId: string): Promise<readonly StoredVersion[]> {
    const { directory, suffix, versionSuffix } = this.#options
    const names = await readdir(directory).catch(() => [] as string[])
    const versions: { file: string; version: number }[] = []
    for (const file of names) {
      if (!file.endsWith(suffix)) continue
      const stem = file.slice(0, file.length - suffix.length)
      if (stem === secretId) versions.push({ file, version: -1 })
      else if (versionSuffix && stem.startsWith(secretId + versionSuffix)) {
        const n = stem.slice(secretId.length + versionSuffix.length)
        if (/^\d+$/.test(n)) versions.push({ file, version: Number(n) })
      }
    }
    versions.sort((a, b) => b.version - a.version)
    const format = this.#options.mappings.get(secretId) ?? this.#options.format
    const loaded: StoredVersion[] = []
    for (const { file } of versions) {
      let raw: Buffer
      try {
        raw = await readFile(join(directory, file))
      } catch {
        continue // removed since the listing
      }
      loaded.push({ stableId: file, value: await format.decode(secretId, raw) })
    }
    return loaded
  }
}

const FileSystemSecretStoreConfig = Type.Object(
  {
    directory: Type.String({ minLength: 1, description: 'Directory containing the secret files.' }),
    format: SecretFormat({ default: 'BASE64', description: 'Format in which secrets are stored.' }),
    versionSuffix: Type.Optional(
      Type.String({ description: 'A version suffix, such as .v, without version numbers.' }),
    ),
    suffix: Type.String({
      default: '',
      description: 'A file suffix or extension, such as .secret.',
    }),
    mappings: FormatMappings(),
    leaseExpiry: LeaseExpiry(),
    autoRefresh: Type.Optional(AutoRefresh()),
  },
  { additionalProperties: false },
)
type FileSystemSecretStoreConfig = Static<typeof FileSystemSecretStoreConfig>

/** A configured path: relative paths are taken from the instance directory. */
export function instancePath(path: string, env: HeapletEnv): string {
  if (isAbsolute(path)) return path
  return resolve(env.instance?.instanceDirectory ?? process.cwd(), path)
}

export const fileSystemSecretStore = heaplet({
  description: 'One secret per file in a directory, in a configured format.',
  schema: FileSystemSecretStoreConfig,
  create: async (config: FileSystemSecretStoreConfig, env) => {
    const directory = instancePath(config.directory, env)
    const isDirectory = await stat(directory).then(
      (s) => s.isDirectory(),
      () => false,
    )
    if (!isDirectory) {
      throw env.configError('/directory', `${directory} is not a directory`)
    }
    const store = new FileSystemSecretStore({
      directory,
      format: formatOf(config.format as FormatValue),
      mappings: new Map(
        config.mappings.map((m) => [m.secretId, formatOf(m.format as FormatValue)]),
      ),
      suffix: config.suffix,
      versionSuffix: config.versionSuffix,
      leaseMs: leaseOf(config.leaseExpiry, env.logger),
    })
    if (config.autoRefresh?.enabled === true) store.autoRefresh(env.logger)
    return store
  },
  destroy: (store) => store.close(),
})
