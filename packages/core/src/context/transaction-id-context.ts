import { randomUUID } from 'node:crypto'
import { Context } from './context.js'

/** A transaction ID; calls made while handling it get sub-transaction IDs `<id>/0`, `<id>/1`... */
export class TransactionId {
  #value: string | undefined
  #subTransactions = 0

  /** Without a value, a random UUID is made when first read (most requests never read it). */
  constructor(value?: string) {
    this.#value = value
  }

  get value(): string {
    return (this.#value ??= randomUUID())
  }

  createSubTransactionId(): TransactionId {
    return new TransactionId(`${this.value}/${this.#subTransactions++}`)
  }

  toString(): string {
    return this.value
  }

  toJSON(): string {
    return this.value
  }
}

/** The transaction ID of a request: `${contexts.transactionId.transactionId.value}`. */
export class TransactionIdContext extends Context {
  readonly name = 'transactionId'
  readonly transactionId: TransactionId

  constructor(parent: Context, transactionId: TransactionId) {
    super(parent)
    this.transactionId = transactionId
  }
}
