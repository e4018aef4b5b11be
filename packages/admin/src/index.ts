import { CORE_VERSION, definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { RoutesEndpoint } from './routes-endpoint.js'

/**
 * The Common REST admin API: `/openig/api/system/objects/<router>/routes`, protected by
 * admin.json's apiProtectionFilter (loopback only by default).
 */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  // the plugins whose types this one uses; a gateway without them refuses to start
  dependencies: ['@postern/http'],
  setup: (gateway) => {
    gateway.mount(
      '/api/system/objects',
      new RoutesEndpoint(
        gateway.heap,
        gateway.logger.child({ object: 'routes-api' }),
        CORE_VERSION,
      ),
    )
  },
})
export default plugin

export { parseQueryFilter, pointerGet, QueryFilterError } from './query-filter.js'
export type { QueryFilter } from './query-filter.js'
export { RoutesEndpoint } from './routes-endpoint.js'
export type { RouteManager } from './routes-endpoint.js'
