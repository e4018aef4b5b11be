import type { MutableUri } from '../messages/uri.js'
import { Context } from './context.js'

/** Routing information: `${contexts.router.remainingUri}`. */
export class UriRouterContext extends Context {
  readonly name = 'router'
  /** The portion of the request URI routed so far. */
  readonly baseUri: string
  /** The portion of the request URI that matched. */
  readonly matchedUri: string
  #remainingUri: string | undefined
  readonly uriTemplateVariables: Readonly<Record<string, string>>
  readonly #originalUri: MutableUri

  constructor(
    parent: Context,
    init: {
      baseUri: string
      matchedUri: string
      /** Default: the path of originalUri. */
      remainingUri?: string
      originalUri: MutableUri
      uriTemplateVariables?: Record<string, string>
    },
  ) {
    super(parent)
    this.baseUri = init.baseUri
    this.matchedUri = init.matchedUri
    this.#remainingUri = init.remainingUri
    this.#originalUri = init.originalUri
    this.uriTemplateVariables = init.uriTemplateVariables ?? {}
  }

  /** The portion of the request URI left to match. */
  get remainingUri(): string {
    return (this.#remainingUri ??= this.#originalUri.path)
  }

  /** The target URI as the gateway received it; read-only (a copy). */
  get originalUri(): MutableUri {
    return this.#originalUri.clone()
  }
}
