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
