import { ConfigError, ConfigErrors } from '@postern/core'

/**
 * The configuration errors a failing start or load rejects with, as objects: assert their `source`,
 * `pointer`, `object` and `reason` instead of matching the message text. Throws when the promise
 * resolves or rejects with anything else.
 */
export async function configErrorsOf(work: Promise<unknown>): Promise<ConfigError[]> {
  let error: unknown
  try {
    await work
  } catch (err) {
    error = err
  }
  if (error instanceof ConfigErrors) return [...error.errors]
  if (error instanceof ConfigError) return [error]
  if (error === undefined) throw new Error('expected configuration errors, but it succeeded')
  throw new Error('expected configuration errors', { cause: error })
}
