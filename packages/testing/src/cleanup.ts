import { onTestFinished } from 'vitest'

/** Runs `fn` when the current test finishes; outside a test (beforeAll) the caller cleans up. */
export function cleanup(fn: () => unknown): void {
  try {
    onTestFinished(async () => {
      await fn()
    })
  } catch {
    // outside a test (beforeAll): the caller closes it
  }
}
