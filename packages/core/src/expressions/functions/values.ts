import { createHash, X509Certificate } from 'node:crypto'
import { BlockList, isIP } from 'node:net'
import { isNullish, toText } from '../coerce.js'

type Fn = (...args: unknown[]) => unknown

function parseInteger(s: unknown, radix: number): number | null {
  if (isNullish(s) || !Number.isInteger(radix) || radix < 2 || radix > 36) return null
  const text = toText(s).trim()
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, radix)
  if (!new RegExp(`^[+-]?[${digits}]+$`, 'i').test(text)) return null
  const n = parseInt(text, radix)
  // Java's Integer range
  return n > 2147483647 || n < -2147483648 ? null : n
}

function ipMatch(ip: unknown, cidr: unknown): boolean {
  if (isNullish(ip) || isNullish(cidr)) return false
  const address = toText(ip).replace(/^\[|\]$/g, '')
  const [network = '', bits] = toText(cidr).split('/')
  const family = isIP(address)
  if (family === 0 || isIP(network) === 0) return false
  const list = new BlockList()
  const type = isIP(network) === 6 ? 'ipv6' : 'ipv4'
  try {
    if (bits === undefined) list.addAddress(network, type)
    else list.addSubnet(network, Number(bits), type)
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4')
  } catch {
    return false
  }
}

function certificate(text: unknown, der: boolean): X509Certificate | null {
  if (isNullish(text)) return null
  try {
    if (!der) return new X509Certificate(toText(text))
    // RFC 9440: the DER bytes, base64-encoded, between colons
    const body = toText(text).trim().replace(/^:|:$/g, '')
    return new X509Certificate(Buffer.from(body, 'base64'))
  } catch {
    return null
  }
}

export const valueFunctions: Record<string, Fn> = {
  bool: (s) => !isNullish(s) && toText(s).toLowerCase() === 'true',
  integer: (s, radix) => parseInteger(s, isNullish(radix) ? 10 : Number(radix)),
  digestSha256: (v) => {
    if (isNullish(v)) return null
    const bytes = v instanceof Uint8Array ? v : Buffer.from(toText(v), 'utf8')
    return createHash('sha256').update(bytes).digest()
  },
  ipMatch,
  pemCertificate: (s) => certificate(s, false),
  derCertificate: (s) => certificate(s, true),
}
