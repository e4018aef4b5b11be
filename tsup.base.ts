import { defineConfig, type Options } from 'tsup'

/** The build of every workspace package: ESM for Node 20, declarations from src/index.ts. */
export function packageConfig(options: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    clean: true,
    dts: { entry: 'src/index.ts', compilerOptions: { composite: false } },
    ...options,
  })
}
