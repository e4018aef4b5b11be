import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  clean: true,
  dts: { entry: 'src/index.ts', compilerOptions: { composite: false } },
  banner: ({ format }) => (format === 'esm' ? {} : {}),
})
