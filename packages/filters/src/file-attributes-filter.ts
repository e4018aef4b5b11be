import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  Context,
  Expr,
  heaplet,
  Raw,
  requestBindings,
  StringEnum,
  Type,
  type Expression,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'
import { nodeEncoding } from '@postern/core/internal'

/** The record a FileAttributesFilter found: `${contexts.fileAttributes.record.username}`. */
export class FileAttributesContext extends Context {
  readonly name = 'fileAttributes'
  readonly record: Readonly<Record<string, string>>
  constructor(parent: Context, record: Record<string, string>) {
    super(parent)
    this.record = record
  }
}

/** Splits delimited text into rows: COMMA and TAB with quoted literals, COLON with backslash escapes. */
export function parseDelimited(text: string, separator: 'COMMA' | 'TAB' | 'COLON'): string[][] {
  const sep = separator === 'COMMA' ? ',' : separator === 'TAB' ? '\t' : ':'
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (separator === 'COLON' && ch === '\\' && i + 1 < text.length) {
      field += text[++i]
    } else if (separator !== 'COLON' && quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (separator !== 'COLON' && ch === '"' && field === '') {
      quoted = true
    } else if (ch === sep) {
      row.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      if (row.length > 1 || row[0] !== '') rows.push(row)
      row = []
      field = ''
    } else field += ch
  }
  row.push(field)
  if (row.length > 1 || row[0] !== '') rows.push(row)
  return rows
}

/**
 * FileAttributesFilter: looks up the record whose `key` field equals `value` in a delimited file,
 * and exposes it in FileAttributesContext (and the deprecated `target`). The file is read again
 * when it changes (checked at most once a second).
 */
export const fileAttributesFilter = heaplet({
  schema: Type.Object(
    {
      file: Type.String({ description: 'The delimited file.' }),
      charset: Type.String({ default: 'UTF-8' }),
      separator: StringEnum(['COLON', 'COMMA', 'TAB'], { default: 'COMMA' }),
      header: Type.Boolean({
        default: true,
        description: 'The first row names the fields and is not a record.',
      }),
      fields: Type.Optional(
        Type.Array(Type.String(), {
          description: 'Keys of the columns, in order; default: the column numbers.',
        }),
      ),
      target: Type.Optional(
        Expr(Type.String(), { description: 'Deprecated: an l-value receiving the record.' }),
      ),
      key: Type.String({ description: 'The field to look up.' }),
      value: Expr(Type.String(), { description: 'The value to find.' }),
      executorService: Type.Optional(
        Raw({ description: 'Not used: files are read asynchronously.' }),
      ),
    },
    { additionalProperties: false },
  ),
  description: 'Exposes a record of a delimited file in FileAttributesContext.',
  create: (config, env): Filter => {
    const encoding = nodeEncoding(config.charset)
    if (!encoding) throw env.configError('/charset', `unsupported charset ${config.charset}`)
    const target = config.target
    if (target && !target.isLValue)
      throw env.configError('/target', `not an l-value expression: ${target.template}`)
    const path = resolve(env.instance?.instanceDirectory ?? '.', config.file)
    let cache: { mtimeMs: number; size: number; records: Record<string, string>[] } | undefined
    let checkedAt = 0
    let loading: Promise<Record<string, string>[]> | undefined
    const load = async (): Promise<Record<string, string>[]> => {
      const now = Date.now()
      if (cache && now - checkedAt < 1000) return cache.records
      checkedAt = now
      const info = await stat(path)
      if (cache && cache.mtimeMs === info.mtimeMs && cache.size === info.size) return cache.records
      const rows = parseDelimited(await readFile(path, encoding), config.separator)
      const records = (config.header ? rows.slice(1) : rows).map((row) => {
        const record: Record<string, string> = {}
        row.forEach((cell, i) => (record[config.fields?.[i] ?? String(i)] = cell))
        return record
      })
      cache = { mtimeMs: info.mtimeMs, size: info.size, records }
      return records
    }
    return {
      async filter(context, request: Request, next: Handler) {
        let records: Record<string, string>[] = []
        try {
          loading ??= load().finally(() => (loading = undefined))
          records = await loading
        } catch (err) {
          env.logger.error({ err, file: path }, 'cannot read the attributes file')
        }
        const scope = requestBindings(env.bindings, context, request)
        const wanted = config.value.eval(scope)
        const record =
          (wanted === null ? undefined : records.find((r) => r[config.key] === wanted)) ?? {}
        const next2 = new FileAttributesContext(context, { ...record })
        if (target) target.assign(requestBindings(env.bindings, next2, request), { ...record })
        return next.handle(next2, request)
      },
    }
  },
})
