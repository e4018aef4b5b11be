import type { Heap, TokenResolver } from '@postern/core'

// The token resolver chain of each heap: config.json's, then each route's on top of its parent's.
const resolvers = new WeakMap<Heap, TokenResolver>()

export function setHeapTokens(heap: Heap, resolver: TokenResolver): void {
  resolvers.set(heap, resolver)
}

/** The resolver of a heap, or of its nearest ancestor that has one. */
export function heapTokens(heap: Heap): TokenResolver | undefined {
  for (let h: Heap | undefined = heap; h; h = h.parent) {
    const found = resolvers.get(h)
    if (found) return found
  }
  return undefined
}
