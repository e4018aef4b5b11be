import { open } from 'node:fs/promises'

/** The `formatting` of CsvAuditEventHandler. */
export interface CsvFormat {
  readonly quoteChar: string
  readonly delimiterChar: string
  readonly endOfLineSymbols: string
}

export const DEFAULT_FORMAT: CsvFormat = {
  quoteChar: '"',
  delimiterChar: ',',
  endOfLineSymbols: '\n',
}

/**
 * One cell as SuperCSV's default preference writes it: quoted when it holds the quote character,
 * the delimiter, CR or LF (or the end-of-line symbols), with the quote character doubled.
 */
export function formatCell(value: string, format: CsvFormat): string {
  const { quoteChar: q, delimiterChar: d, endOfLineSymbols: eol } = format
  const quoted =
    value.includes(q) ||
    value.includes(d) ||
    value.includes('\r') ||
    value.includes('\n') ||
    value.includes(eol)
  return quoted ? `${q}${value.replaceAll(q, q + q)}${q}` : value
}

/** One record, ended by the end-of-line symbols. */
export function formatRow(cells: readonly string[], format: CsvFormat): string {
  return (
    cells.map((c) => formatCell(c, format)).join(format.delimiterChar) + format.endOfLineSymbols
  )
}

/** What a cell holds for an event field: text as is, objects and arrays as JSON, none empty. */
export function cellOf(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/**
 * Parses CSV text written with `format`. `records` are those ended by the end-of-line symbols;
 * `rest` is the text of an unfinished last record (empty when the text ends a record).
 */
export function parseCsv(text: string, format: CsvFormat): { records: string[][]; rest: string } {
  const { quoteChar: q, delimiterChar: d, endOfLineSymbols: eol } = format
  const records: string[][] = []
  let record: string[] = []
  let cell = ''
  let quoted = false
  let start = 0 // where the current record began
  let i = 0
  while (i < text.length) {
    if (quoted) {
      if (text.startsWith(q, i)) {
        if (text.startsWith(q, i + q.length)) {
          cell += q
          i += 2 * q.length
        } else {
          quoted = false
          i += q.length
        }
      } else cell += text[i++]
    } else if (text.startsWith(eol, i)) {
      record.push(cell)
      records.push(record)
      record = []
      cell = ''
      i += eol.length
      start = i
    } else if (text.startsWith(d, i)) {
      record.push(cell)
      cell = ''
      i += d.length
    } else if (text.startsWith(q, i) && cell === '') {
      quoted = true
      i += q.length
    } else cell += text[i++]
  }
  return { records, rest: text.slice(start) }
}

/** The first record of a CSV file (its header), or undefined for an empty file. */
export async function readHeader(file: string, format: CsvFormat): Promise<string[] | undefined> {
  const handle = await open(file, 'r')
  try {
    const chunks: Buffer[] = []
    const chunk = Buffer.alloc(64 * 1024)
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
      if (bytesRead > 0) chunks.push(Buffer.from(chunk.subarray(0, bytesRead)))
      const text = Buffer.concat(chunks).toString('utf8')
      const { records, rest } = parseCsv(text, format)
      if (records[0]) return records[0]
      if (bytesRead === 0)
        return rest === '' ? undefined : parseCsv(rest + format.endOfLineSymbols, format).records[0]
    }
  } finally {
    await handle.close()
  }
}
