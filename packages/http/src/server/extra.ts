import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { register } from 'node:module'
import { pathToFileURL } from 'node:url'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { isPlugin, PluginError, type Logger, type Plugin } from '@postern/core'

/**
 * Module resolution for extra/: `@postern/*` imports of a dropped-in plugin resolve to this
 * gateway's own packages (one core, one set of classes), wherever the instance directory is. Other
 * imports resolve as usual (from the plugin's own node_modules).
 */
const HOOKS = `
let prefixes = []
let parent
export function initialize(data) { parent = data.parent; data.port.on('message', (p) => prefixes.push(p)); prefixes.push(data.prefix) }
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@postern/') && context.parentURL && prefixes.some((p) => context.parentURL.startsWith(p)))
    return next(specifier, { ...context, parentURL: parent })
  return next(specifier, context)
}`
let hooks: { port: MessagePort } | undefined

function shareGatewayPackages(dir: string, parent: string): void {
  const prefix = pathToFileURL(dir).href + '/'
  if (hooks) {
    hooks.port.postMessage(prefix)
    return
  }
  const { port1, port2 } = new MessageChannel()
  port1.unref()
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, {
    data: { prefix, parent, port: port2 },
    transferList: [port2],
  })
  hooks = { port: port1 }
}

/** What `extra/<entry>` exports as its plugin: the default export, else `plugin`. */
function pluginOf(module: Record<string, unknown>): unknown {
  return module.default ?? module.plugin
}

async function entryPoint(dir: string): Promise<string> {
  const manifest = join(dir, 'package.json')
  if (!existsSync(manifest)) {
    for (const name of ['index.js', 'index.mjs'])
      if (existsSync(join(dir, name))) return join(dir, name)
    throw new Error('a folder needs a package.json (or an index.js)')
  }
  const pkg = JSON.parse(await readFile(manifest, 'utf8')) as {
    exports?: unknown
    main?: string
    module?: string
  }
  const exported = pkg.exports
  const fromExports =
    typeof exported === 'string'
      ? exported
      : typeof exported === 'object' && exported !== null
        ? pickExport((exported as Record<string, unknown>)['.'] ?? exported)
        : undefined
  const target = fromExports ?? pkg.module ?? pkg.main ?? 'index.js'
  return join(dir, target)
}

function pickExport(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || value === null) return undefined
  const conditions = value as Record<string, unknown>
  for (const key of ['import', 'node', 'default']) {
    const picked = pickExport(conditions[key])
    if (picked) return picked
  }
  return undefined
}

/**
 * The plugins dropped into an instance's `extra/` folder: each `.js` / `.mjs` module, and each
 * folder that is an ESM package (its `exports`, `module` or `main`), whose default export (or
 * `plugin` export) comes from `definePlugin`. Entries are loaded in name order; files starting
 * with `.` are skipped. A broken entry is a PluginError naming it and the cause. `@postern/*`
 * imports resolve as they do from `resolveFrom` (the distribution's module URL).
 */
export async function loadExtraPlugins(
  dir: string,
  logger: Logger,
  resolveFrom: string = import.meta.url,
): Promise<{ plugin: Plugin; from: string }[]> {
  if (!existsSync(dir)) return []
  shareGatewayPackages(dir, resolveFrom)
  const plugins: { plugin: Plugin; from: string }[] = []
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.')) continue
    const path = join(dir, name)
    const info = await stat(path)
    const isModule = info.isFile() && /\.(m?js)$/.test(name)
    if (!isModule && !info.isDirectory()) {
      if (name.endsWith('.jar'))
        logger.warn(
          { entry: `extra/${name}` },
          'Java archives cannot be loaded by Postern: ignored',
        )
      continue
    }
    let module: Record<string, unknown>
    try {
      const file = isModule ? path : await entryPoint(path)
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>
    } catch (err) {
      throw new PluginError(name, `cannot be loaded: ${(err as Error).message}`, `extra/${name}`, {
        cause: err,
      })
    }
    const plugin = pluginOf(module)
    if (!isPlugin(plugin))
      throw new PluginError(
        name,
        'exports no plugin: its default export must be the result of definePlugin()',
        `extra/${name}`,
      )
    plugins.push({ plugin, from: `extra/${name}` })
  }
  return plugins
}
