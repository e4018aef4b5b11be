import type { Logger } from '../logger.js'
import type { Heap } from './heap.js'

/** Where the object being decorated comes from. */
export interface DecorationContext {
  /** The decorated object's name (declared, or made from its pointer). */
  readonly name: string
  readonly type: string
  readonly heap: Heap
  readonly logger: Logger
  readonly source: string
  /** The pointer of the decoration attribute (`/heap/0/capture`, `/baseURI`). */
  readonly pointer: string
}

/**
 * A heap object that wraps other heap objects: `"capture": "all"` on a declaration asks the
 * decorator named `capture` to wrap that object. A decorator returns the object unchanged when it
 * does not apply to it (TimerDecorator on a SessionManager, say).
 */
export interface Decorator {
  decorate(object: unknown, config: unknown, context: DecorationContext): unknown | Promise<unknown>
}

export function isDecorator(value: unknown): value is Decorator {
  return typeof (value as Decorator | null)?.decorate === 'function'
}

/** Top-level attributes of a declaration that are not decorations. */
export const RESERVED_ATTRIBUTES = new Set(['name', 'type', 'config', 'comment', '_id', '$schema'])
