import { packageConfig } from '../../tsup.base.js'

// Two entries: the plugin API, and `@postern/core/internal` for the first-party packages.
export default packageConfig({
  entry: ['src/index.ts', 'src/internal.ts'],
  dts: { entry: ['src/index.ts', 'src/internal.ts'], compilerOptions: { composite: false } },
})
