import type { Headers } from '@postern/core'

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** Copies headers for the next hop: drops RFC 9110 hop-by-hop headers and those named in Connection. */
export function endToEnd(
  headers: Headers,
  skip?: ReadonlySet<string>,
): Record<string, string | string[]> {
  const named = new Set<string>()
  for (const value of headers.getAll('connection'))
    for (const token of value.split(',')) named.add(token.trim().toLowerCase())
  const out: Record<string, string | string[]> = {}
  for (const [name, values] of headers) {
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower) || named.has(lower) || skip?.has(lower)) continue
    out[lower] = values.length === 1 ? values[0]! : values
  }
  return out
}

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name.toLowerCase())
}
