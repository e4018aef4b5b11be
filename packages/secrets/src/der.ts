import forge from 'node-forge'

/** forge's ASN.1 node, read without guessing that BIT STRINGs hold more ASN.1. */
export type Asn1 = forge.asn1.Asn1

export function fromDer(der: Uint8Array): Asn1 {
  // The typings know only the old boolean `strict` argument; forge 1.x takes these options.
  const options = { strict: false, decodeBitStrings: false } as unknown as boolean
  return forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(der).toString('binary')), options)
}

export function toDer(node: Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary')
}

export function children(node: Asn1 | undefined): Asn1[] {
  return Array.isArray(node?.value) ? (node.value as Asn1[]) : []
}

export function bytesOf(node: Asn1 | undefined): Buffer {
  if (!node) return Buffer.alloc(0)
  // A constructed OCTET STRING (BER, as some PKCS#12 writers produce) is the concatenation of its parts.
  if (Array.isArray(node.value)) return Buffer.concat(node.value.map((n) => bytesOf(n as Asn1)))
  return Buffer.from(node.value as string, 'binary')
}

export function oidOf(node: Asn1 | undefined): string {
  if (!node || node.type !== forge.asn1.Type.OID) return ''
  return forge.asn1.derToOid(node.value as string)
}

export function integerOf(node: Asn1 | undefined): number {
  if (!node) return 0
  return forge.util.createBuffer(node.value as string).getInt((node.value as string).length * 8)
}

/** Key usage bit names, in the order of RFC 5280 section 4.2.1.3. */
const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const
export type KeyUsage = (typeof KEY_USAGE_BITS)[number]

/** The KeyUsage extension of a DER certificate, or undefined when it has none. */
export function keyUsageOf(certificateDer: Uint8Array): Set<KeyUsage> | undefined {
  try {
    const tbs = children(fromDer(certificateDer))[0]
    const extensions = children(tbs).find(
      (n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3,
    )
    for (const ext of children(children(extensions)[0])) {
      const parts = children(ext)
      if (oidOf(parts[0]) !== '2.5.29.15') continue
      const bitString = bytesOf(fromDer(bytesOf(parts[parts.length - 1])))
      const usages = new Set<KeyUsage>()
      KEY_USAGE_BITS.forEach((name, i) => {
        const byte = bitString[1 + (i >> 3)]
        if (byte !== undefined && (byte & (0x80 >> (i & 7))) !== 0) usages.add(name)
      })
      return usages
    }
  } catch {
    // A certificate node:crypto parsed but we cannot: treat it as having no KeyUsage extension.
  }
  return undefined
}
