import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { scriptableFilter, scriptableHandler, scriptableThrottlingPolicy } from './scriptable.js'

/** Scriptable types with JavaScript scripts. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  // the plugins whose types this one uses; a gateway without them refuses to start
  dependencies: ['@postern/http'],
  types: {
    ScriptableFilter: scriptableFilter,
    ScriptableHandler: scriptableHandler,
    ScriptableThrottlingPolicy: scriptableThrottlingPolicy,
  },
})
export default plugin

export { GLOBALS, Script, ScriptConfig, ScriptResponse, ThrottlingRate } from './script.js'
