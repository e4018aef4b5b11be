import { heaplet, TransactionIdContext, Type, type Filter } from '@postern/core'

export const TRANSACTION_ID_HEADER = 'X-ForgeRock-TransactionId'

/**
 * TransactionIdOutboundFilter: sends a sub-transaction ID of the request's transaction
 * (`<id>/0`, `<id>/1`...) in `X-ForgeRock-TransactionId`, for audit correlation.
 */
export const transactionIdOutboundFilter = heaplet({
  schema: Type.Object({}, { additionalProperties: false }),
  description: 'Inserts the transaction ID into the header of a request.',
  create: (): Filter => ({
    filter: (context, request, next) => {
      const tx = context.as(TransactionIdContext)
      if (tx)
        request.headers.set(TRANSACTION_ID_HEADER, tx.transactionId.createSubTransactionId().value)
      return next.handle(context, request)
    },
  }),
})
