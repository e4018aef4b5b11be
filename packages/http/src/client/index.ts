import type { Heaplet, TSchema } from '@postern/core'

/** ClientHandler, ReverseProxyHandler, ForgeRockClientHandler, ProxyOptions..., by IG type name. */
export const clientTypes: Record<string, Heaplet<TSchema, unknown>> = {}
