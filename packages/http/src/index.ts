import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { clientTypes } from './client/index.js'
import { runtimeTypes } from './types.js'

/** The HTTP runtime's IG types: Router, Chain, ClientHandler, ReverseProxyHandler, decorators... */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  types: { ...runtimeTypes, ...clientTypes },
})
export default plugin

export { AdminEndpoints } from './server/admin-endpoints.js'
export { createGateway } from './server/gateway.js'
export { loadExtraPlugins } from './server/extra.js'
export type { Gateway, GatewayOptions } from './server/gateway.js'
export { Router } from './router/router.js'
export type { RouteInfo } from './router/router.js'
export { loadRoute, Route } from './router/route.js'
