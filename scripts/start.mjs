// `pnpm start [instanceDir] [-Dname=value...]`: builds the packages once if needed, then runs the CLI.
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

const cli = new URL('../apps/gateway/dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  console.log('building the gateway (first start)...')
  execFileSync('pnpm', ['build'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) })
}
await import(cli.href)
