import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  ConfigError,
  ConfigErrors,
  Kinds,
  loadDocument,
  staticBindings,
  type Heap,
  type InstanceInfo,
  type Logger,
  type ReferenceKind,
  type SessionManager,
  type TokenResolver,
  type TypeRegistry,
} from '@postern/core'
import {
  EnvironmentResolver,
  loadTokenFiles,
  MapResolver,
  SystemPropertiesResolver,
  TokenResolverChain,
} from '@postern/core/internal'
import { defaultObjects } from './defaults.js'

/** admin.json or config.json, loaded: its heap (declared, objects not made yet) and its config. */
export interface Application {
  readonly heap: Heap
  readonly config: Record<string, unknown>
  readonly source: string
}

/** What admin.json and config.json are loaded with. */
export interface ApplicationEnv {
  readonly registry: TypeRegistry
  readonly logger: Logger
  /** `-D` system properties, with the reserved ones (`ig.instance.dir`). */
  readonly system: Readonly<Record<string, string>>
  readonly env: Readonly<Record<string, string | undefined>>
  /** The clock of heap objects; default Date.now. */
  readonly now?: () => number
}

/**
 * The configuration tokens of admin.json and config.json: environment variables, system
 * properties, the token files of IG_ENVCONFIG_DIRS, then `ig.instance.dir` and `ig.instance.url`.
 */
export async function bootstrapTokens(
  { env, system }: ApplicationEnv,
  instanceDir: string,
): Promise<TokenResolver> {
  const dirs = env.IG_ENVCONFIG_DIRS ?? system['ig.envconfig.dirs']
  const resolvers: TokenResolver[] = [
    new EnvironmentResolver(env),
    new SystemPropertiesResolver(system),
  ]
  if (dirs) {
    const list = dirs
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean)
    resolvers.push(await loadTokenFiles(list))
  }
  const defaults = new Map([
    ['ig.instance.dir', instanceDir],
    ['ig.instance.url', pathToFileURL(instanceDir).toString()],
  ])
  resolvers.push(new MapResolver(defaults, 'defaults'))
  return new TokenResolverChain(resolvers)
}

async function readJson(path: string, source: string): Promise<unknown> {
  if (!existsSync(path)) return undefined
  const text = await readFile(path, 'utf8')
  try {
    return ConfigError.parseJson(text, source)
  } catch (err) {
    throw new ConfigErrors([err as ConfigError])
  }
}

/**
 * Reads `config/<file>` (the fallback when it is absent) and loads it below the default heap
 * objects; `name` tags its log lines (`heap: admin`).
 */
export async function loadApplication(
  app: ApplicationEnv,
  init: { file: string; fallback: unknown; name: string; tokens: TokenResolver },
  instance: InstanceInfo,
): Promise<Application> {
  const source = `config/${init.file}`
  const json = (await readJson(join(instance.configDirectory, init.file), source)) ?? init.fallback
  const { heap, config } = loadDocument({
    source,
    json,
    registry: app.registry,
    tokens: init.tokens,
    bindings: staticBindings({ system: app.system, env: app.env, openig: instance }),
    instance,
    ...(app.now ? { now: app.now } : {}),
    logger: () => app.logger.child({ heap: init.name }),
    defaults: defaultObjects(),
  })
  return { heap, config, source }
}

/** An optional reference of an application (`apiProtectionFilter`): absent stays undefined. */
export function optionalRef<T>(
  app: Application,
  key: string,
  kind: ReferenceKind<T>,
): Promise<T | undefined> {
  if (app.config[key] === undefined) return Promise.resolve(undefined)
  return app.heap.resolve(app.config[key], `/${key}`, kind, app.source)
}

/**
 * The session manager of an application: its `session`, else (config.json, `legacy`) a heap
 * object named Session, else stateful sessions with the default settings.
 */
export async function sessionOf(app: Application, legacy: boolean): Promise<SessionManager> {
  const declared = await optionalRef(app, 'session', Kinds.SessionManager)
  if (declared) return declared
  if (legacy && app.heap.has('Session'))
    return app.heap.get('Session', Kinds.SessionManager, { source: app.source, pointer: '/heap' })
  const fallback = { type: 'InMemorySessionManager' }
  return app.heap.resolve(fallback, '/session', Kinds.SessionManager, app.source)
}
