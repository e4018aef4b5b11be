import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigErrors } from '@postern/core'
import { memoryLogger, startGateway } from '@postern/testing'
import http from '../src/index.js'
import { loadRoute } from '../src/router/route.js'

// The route and config.json documents of OpenIG's guides, with the types each uses (index.json).
const sharedDir =
  process.env.POSTERN_SHARED_DIR ?? new URL('../../../../shared/', import.meta.url).pathname
const base = join(sharedDir, 'conformance/openig-routes')
const index = JSON.parse(readFileSync(join(base, 'index.json'), 'utf8')) as {
  file: string
  types: string[]
}[]
const docs = index.filter((e) => e.file.startsWith('docs/'))

// Documents that use what IG itself no longer has: they must fail, with this error.
const outdated: Record<string, string> = {
  'docs/chap-ttf-L349.json': 'no decorator named "audit"', // OpenIG's AuditDecorator, removed from IG
  'docs/decorators-conf-L53.json': 'no decorator named "audit"',
  'docs/chap-auditing-L196.json': 'no decorator named "MyCapture"', // declared in the guide's config.json, not here
}

describe('OpenIG guide route documents', async () => {
  const gw = await startGateway({ plugins: [http] })
  const registry = gw.gateway.registry
  // Script languages are listed among the types of some documents; they are not heap types.
  const isHeapType = (t: string) => !t.includes('/')

  test.for(docs)('$file', async ({ file, types }) => {
    const json = JSON.parse(readFileSync(join(base, file), 'utf8')) as unknown
    const missing = types.filter((t) => isHeapType(t) && !registry.has(t))
    const load = loadRoute({
      id: file,
      source: file,
      json,
      parent: gw.gateway.heap,
      logger: memoryLogger(),
    })
    const reason = outdated[file]
    if (reason) return void (await expect(load).rejects.toThrow(reason))
    let errors: string[] | undefined
    try {
      const route = await load
      await route.destroy()
    } catch (err) {
      if (!(err instanceof ConfigErrors)) throw err
      errors = err.errors.map((e) => e.message)
    }
    if (errors === undefined) {
      // built: then it used only registered types
      expect(missing, 'a document with unregistered types must not build').toEqual([])
      return
    }
    if (!types.every(isHeapType) && missing.length === 0) return // a script file of the guide is not here
    // refused: every error names a type that no plugin registers (the document's, or a default object's)
    for (const error of errors) {
      const named = /unknown type (\S+): no plugin registers it/.exec(error)?.[1]
      expect(named, error).toBeDefined()
      expect(registry.has(named!), error).toBe(false)
    }
  })
})
