import type { Heaplet, TSchema } from '@postern/core'
import { clientHandler, reverseProxyHandler } from './client-handler.js'
import { transactionIdOutboundFilter } from './transaction-id-outbound-filter.js'

/** ClientHandler, ReverseProxyHandler, ForgeRockClientHandler, ProxyOptions..., by IG type name. */
export const clientTypes: Record<string, Heaplet<TSchema, unknown>> = {
  ClientHandler: clientHandler,
  ReverseProxyHandler: reverseProxyHandler,
  TransactionIdOutboundFilter: transactionIdOutboundFilter,
}
