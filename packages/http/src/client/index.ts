import type { Heaplet, TSchema } from '@postern/core'
import { clientHandler, reverseProxyHandler } from './client-handler.js'
import { customProxyOptions, noProxyOptions, systemProxyOptions } from './proxy-options.js'
import { transactionIdOutboundFilter } from './transaction-id-outbound-filter.js'

/** ClientHandler, ReverseProxyHandler, ForgeRockClientHandler, ProxyOptions..., by IG type name. */
export const clientTypes: Record<string, Heaplet<TSchema, unknown>> = {
  ClientHandler: clientHandler,
  NoProxyOptions: noProxyOptions,
  ReverseProxyHandler: reverseProxyHandler,
  SystemProxyOptions: systemProxyOptions,
  CustomProxyOptions: customProxyOptions,
  TransactionIdOutboundFilter: transactionIdOutboundFilter,
}
