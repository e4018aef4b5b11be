// Java charset names (as IG configurations write them) to Node's buffer encodings.
const ENCODINGS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
  latin1: 'latin1',
  'us-ascii': 'ascii',
  ascii: 'ascii',
  'utf-16le': 'utf16le',
  utf16le: 'utf16le',
}

/** The Node encoding of a Java charset name, or undefined when Node has none. */
export function nodeEncoding(charset: string): BufferEncoding | undefined {
  return ENCODINGS[charset.toLowerCase()]
}
