import { PluginError, type GatewayServices, type Logger, type TypeRegistry } from '@postern/core'
import { loadExtraPlugins } from './extra.js'

/** Registers the plugins dropped into `<instanceDir>/extra`, logging each one. */
export async function registerExtraPlugins(
  registry: TypeRegistry,
  logger: Logger,
  dir: string,
  resolveFrom: string | undefined,
): Promise<void> {
  for (const { plugin, from } of await loadExtraPlugins(dir, logger, resolveFrom)) {
    registry.register(plugin, from)
    logger.info(
      { plugin: plugin.name, version: plugin.version, from },
      `loaded plugin ${plugin.name}@${plugin.version} from ${from}`,
    )
  }
}

/** Runs every plugin's `setup`, in registration order; a failure names the plugin. */
export async function setupPlugins(
  registry: TypeRegistry,
  services: GatewayServices,
): Promise<void> {
  for (const { plugin } of registry.plugins()) {
    if (!plugin.setup) continue
    try {
      await plugin.setup(services)
    } catch (err) {
      const message = `setup failed: ${(err as Error).message}`
      throw new PluginError(plugin.name, message, undefined, { cause: err })
    }
  }
}

/** Runs the plugins' stop hooks, last registered first; a failing hook is logged, not thrown. */
export async function runStopHooks(
  hooks: (() => void | Promise<void>)[],
  logger: Logger,
): Promise<void> {
  for (const release of hooks.splice(0).reverse()) {
    try {
      await release()
    } catch (err) {
      logger.warn({ err }, 'plugin stop hook failed')
    }
  }
}
