import type { Heaplet, TSchema } from '@postern/core'

/** Router, Route, handlers and decorators of this package, by IG type name. */
export const runtimeTypes: Record<string, Heaplet<TSchema, unknown>> = {}
