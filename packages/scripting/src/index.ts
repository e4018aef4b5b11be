import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { scriptableFilter, scriptableHandler, scriptableThrottlingPolicy } from './scriptable.js'

/** Scriptable types with JavaScript scripts. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  types: {
    ScriptableFilter: scriptableFilter,
    ScriptableHandler: scriptableHandler,
    ScriptableThrottlingPolicy: scriptableThrottlingPolicy,
  },
})
export default plugin

export { GLOBALS, Script, ScriptConfig, ScriptResponse, ThrottlingRate } from './script.js'
