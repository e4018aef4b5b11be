import { CORE_VERSION, Heap, staticBindings, TypeRegistry } from '@postern/core'
import { memoryLogger, type LogLine } from '@postern/testing'
import { onTestFinished } from 'vitest'
import plugin from '../src/index.js'

export const SOURCE = 'config/routes/10-secrets.json'

export interface TestHeap {
  heap: Heap
  logs: LogLine[]
  get<T>(name: string): Promise<T>
}

/** A heap with this plugin's types, built from a `heap` array and destroyed after the test. */
export async function buildHeap(
  declarations: unknown[],
  options: {
    env?: Record<string, string>
    system?: Record<string, string>
    instanceDirectory?: string
    /** Ready-made objects put in the heap under their names. */
    objects?: Record<string, unknown>
  } = {},
): Promise<TestHeap> {
  const registry = new TypeRegistry(CORE_VERSION)
  registry.register(plugin)
  const logger = memoryLogger()
  const heap = new Heap({
    registry,
    source: SOURCE,
    logger,
    bindings: staticBindings({ env: options.env ?? {}, system: options.system ?? {} }),
    ...(options.instanceDirectory
      ? {
          instance: {
            instanceDirectory: options.instanceDirectory,
            configDirectory: `${options.instanceDirectory}/config`,
            temporaryDirectory: `${options.instanceDirectory}/tmp`,
          },
        }
      : {}),
  })
  onTestFinished(() => heap.destroy())
  for (const [name, object] of Object.entries(options.objects ?? {})) heap.put(name, object)
  heap.declare(declarations)
  await heap.createAll()
  return { heap, logs: logger.lines, get: (name) => heap.get(name) }
}

/** The ConfigErrors a heap array fails with, flattened. */
export async function configErrors(
  declarations: unknown[],
  options: Parameters<typeof buildHeap>[1] = {},
): Promise<{ pointer: string; reason: string; message: string }[]> {
  try {
    await buildHeap(declarations, options)
  } catch (err) {
    const list = (err as { errors?: unknown[] }).errors ?? [err]
    return list as { pointer: string; reason: string; message: string }[]
  }
  throw new Error('the heap was built without error')
}
