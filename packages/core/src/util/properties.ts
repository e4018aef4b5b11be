/** Parses Java `.properties` text: `=`, `:` or whitespace separators, `#`/`!` comments, continuations, `\uXXXX`. */
export function parseJavaProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '')
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    // a line ending in an odd number of backslashes continues on the next line
    while (/(?<!\\)(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '')
    }
    let key = ''
    let j = 0
    for (; j < line.length; j++) {
      const ch = line[j]!
      if (ch === '\\') {
        key += unescapeChar(line, j)
        j += escapeLength(line, j) - 1
        continue
      }
      if (ch === '=' || ch === ':' || /[ \t\f]/.test(ch)) break
      key += ch
    }
    while (j < line.length && /[ \t\f]/.test(line[j]!)) j++
    if (line[j] === '=' || line[j] === ':') j++
    while (j < line.length && /[ \t\f]/.test(line[j]!)) j++
    let value = ''
    for (; j < line.length; j++) {
      if (line[j] === '\\') {
        value += unescapeChar(line, j)
        j += escapeLength(line, j) - 1
      } else value += line[j]
    }
    out[key] = value
  }
  return out
}

function escapeLength(line: string, at: number): number {
  return line[at + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(line.slice(at + 2, at + 6)) ? 6 : 2
}

function unescapeChar(line: string, at: number): string {
  const next = line[at + 1]
  if (next === undefined) return ''
  if (escapeLength(line, at) === 6)
    return String.fromCharCode(parseInt(line.slice(at + 2, at + 6), 16))
  return { t: '\t', n: '\n', r: '\r', f: '\f' }[next] ?? next
}
