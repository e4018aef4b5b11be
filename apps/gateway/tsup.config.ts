import { packageConfig } from '../../tsup.base.js'

// the CLI is a second entry; declarations come from the library entry only
export default packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] })
