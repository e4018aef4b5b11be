import type { Plugin } from '@postern/core'
import http from '@postern/http'

/** Every first-party plugin this distribution ships, in registration order. */
export const plugins: readonly Plugin[] = [http]
