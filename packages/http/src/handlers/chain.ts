import {
  Kinds,
  chainOf,
  filterOf,
  heaplet,
  Ref,
  Type,
  type Filter,
  type Handler,
  type Static,
} from '@postern/core'

const ChainConfig = Type.Object(
  {
    filters: Type.Array(Ref(Kinds.Filter), {
      description: 'Filters the request passes through, in order.',
    }),
    handler: Ref(Kinds.Handler, {
      description: 'The handler the request reaches after the filters.',
    }),
  },
  { additionalProperties: false },
)
type ChainConfig = Static<typeof ChainConfig>

/** Chain: filters in order, then a handler; composed once when the heap is built. */
export const chain = heaplet({
  schema: ChainConfig,
  description: 'Dispatches a request to an ordered list of filters, and then to a handler.',
  create: ({ filters, handler }: ChainConfig): Handler => chainOf(filters, handler),
})

const ChainOfFiltersConfig = Type.Object(
  { filters: Type.Array(Ref(Kinds.Filter), { description: 'Filters, in order.' }) },
  { additionalProperties: false },
)

/** ChainOfFilters: several filters packed into one. */
export const chainOfFilters = heaplet({
  schema: ChainOfFiltersConfig,
  description: 'Packs an ordered list of filters into a single filter.',
  create: ({ filters }): Filter => filterOf(filters),
})

const ForgeRockClientHandlerConfig = Type.Object(
  {
    filters: Type.Array(Ref(Kinds.Filter), { default: ['TransactionIdOutboundFilter'] }),
    handler: Ref(Kinds.Handler, { default: 'ClientHandler' }),
  },
  { additionalProperties: false },
)

/** ForgeRockClientHandler: a Chain of TransactionIdOutboundFilter and ClientHandler by default. */
export const forgeRockClientHandler = heaplet({
  schema: ForgeRockClientHandlerConfig,
  description:
    'A ClientHandler that sends the transaction ID (Chain of TransactionIdOutboundFilter and ClientHandler).',
  create: ({ filters, handler }): Handler => chainOf(filters, handler),
})
