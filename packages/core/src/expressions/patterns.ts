const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
}

function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** Translates Java regular expression syntax to a JavaScript RegExp source and flags. */
export function translateJavaRegex(java: string): { source: string; flags: string } {
  let flags = ''
  let src = java
  // leading embedded flags: (?i), (?s), (?m), (?is)...
  const lead = /^\(\?([imsux]+)\)/.exec(src)
  if (lead) {
    for (const f of lead[1]!) if ('ims'.includes(f) && !flags.includes(f)) flags += f
    src = src.slice(lead[0].length)
  }
  let out = ''
  let inClass = false
  let afterQuantifier = false // a + right after a quantifier makes it possessive
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!
    if (ch === '\\') {
      afterQuantifier = false
      const next = src[i + 1]
      if (next === 'Q') {
        const end = src.indexOf('\\E', i + 2)
        const literal = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end)
        out += escapeLiteral(literal)
        i = end < 0 ? src.length : end + 1
        continue
      }
      if (!inClass && next === 'A') {
        out += '(?<![\\s\\S])'
        i++
        continue
      }
      if (!inClass && next === 'Z') {
        out += '(?=\\n?(?![\\s\\S]))'
        i++
        continue
      }
      if (!inClass && next === 'z') {
        out += '(?![\\s\\S])'
        i++
        continue
      }
      if ((next === 'p' || next === 'P') && src[i + 2] === '{') {
        const end = src.indexOf('}', i + 3)
        const name = src.slice(i + 3, end).replace(/^Is/, '')
        const posix = POSIX[name]
        if (posix) {
          out += inClass ? (next === 'p' ? posix : '') : next === 'p' ? `[${posix}]` : `[^${posix}]`
          i = end
          continue
        }
        if (!flags.includes('u')) flags += 'u'
      }
      out += ch + (next ?? '')
      i++
      continue
    }
    if (inClass) {
      if (ch === ']') inClass = false
      out += ch
      continue
    }
    if (ch === '[') {
      afterQuantifier = false
      inClass = true
      out += ch
      if (src[i + 1] === '^') out += src[++i]
      if (src[i + 1] === ']') out += `\\${src[++i]}`
      continue
    }
    if (ch === '(' && src.startsWith('(?>', i)) {
      afterQuantifier = false
      out += '(?:' // atomic group: no JavaScript equivalent; a plain group matches the same strings
      i += 2
      continue
    }
    if (ch === '+' && afterQuantifier) {
      afterQuantifier = false
      continue // possessive quantifier: treated as greedy
    }
    if (ch === '{') {
      const m = /^\{\d+(,\d*)?\}/.exec(src.slice(i))
      if (m) {
        out += m[0]
        i += m[0].length - 1
        afterQuantifier = true
        continue
      }
    }
    if (ch === '?' && afterQuantifier) {
      out += ch // lazy quantifier
      afterQuantifier = false
      continue
    }
    afterQuantifier = ch === '*' || ch === '+' || ch === '?'
    out += ch
  }
  return { source: out, flags }
}

const cache = new Map<string, RegExp>()
const wholeCache = new Map<string, RegExp>()

/** A RegExp that must match the whole subject (Java's Matcher.matches), cached. */
export function compileWholePattern(java: string): RegExp {
  let re = wholeCache.get(java)
  if (!re) {
    const { source, flags } = translateJavaRegex(java)
    re = new RegExp(`^(?:${source})$`, flags)
    if (wholeCache.size > 1000) wholeCache.clear()
    wholeCache.set(java, re)
  }
  return re
}

/** A RegExp for a Java pattern, cached; `extraFlags` such as 'g'. Throws SyntaxError when invalid. */
export function compilePattern(java: string, extraFlags = ''): RegExp {
  const key = `${extraFlags}/${java}`
  let re = cache.get(key)
  if (!re) {
    const { source, flags } = translateJavaRegex(java)
    re = new RegExp(source, flags + extraFlags)
    if (cache.size > 1000) cache.clear()
    cache.set(key, re)
  }
  re.lastIndex = 0
  return re
}

/** Java replacement syntax (`$1`, `${name}`, `\$`) to JavaScript's (`$1`, `$<name>`, `$$`). */
export function javaReplacement(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[++i]!
      out += next === '$' ? '$$' : next
    } else if (ch === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i)
      out += `$<${text.slice(i + 2, end)}>`
      i = end
    } else out += ch
  }
  return out
}

/** A compiled IG pattern: Java syntax, JavaScript engine. */
export class Pattern {
  readonly source: string
  readonly regex: RegExp
  private constructor(source: string, regex: RegExp) {
    this.source = source
    this.regex = regex
  }
  static compile(java: string): Pattern {
    const { source, flags } = translateJavaRegex(java)
    return new Pattern(java, new RegExp(source, flags))
  }
  /** Java's Matcher.find(): the first match anywhere, or null. */
  find(subject: string): RegExpExecArray | null {
    return this.regex.exec(subject)
  }
  /** Java's Matcher.matches(): the whole subject must match, or null. */
  matches(subject: string): RegExpExecArray | null {
    return compileWholePattern(this.source).exec(subject)
  }
  toString(): string {
    return this.source
  }
}

/**
 * A pattern template: `$g` is replaced by capturing group g of a match (`$0` the whole match);
 * `\$` and `\\` are literals.
 */
export class PatternTemplate {
  readonly template: string
  readonly #parts: (string | number)[]
  private constructor(template: string, parts: (string | number)[]) {
    this.template = template
    this.#parts = parts
  }
  static parse(template: string): PatternTemplate {
    const parts: (string | number)[] = []
    let text = ''
    for (let i = 0; i < template.length; i++) {
      const ch = template[i]!
      if (ch === '\\' && i + 1 < template.length) {
        text += template[++i]
      } else if (ch === '$' && /[0-9]/.test(template[i + 1] ?? '')) {
        let digits = ''
        while (/[0-9]/.test(template[i + 1] ?? '')) digits += template[++i]
        if (text !== '') parts.push(text)
        text = ''
        parts.push(Number(digits))
      } else text += ch
    }
    if (text !== '') parts.push(text)
    return new PatternTemplate(template, parts)
  }
  /** Fills the template from a match; a group number beyond the match's groups is empty. */
  fill(match: RegExpExecArray | readonly (string | undefined)[]): string {
    let out = ''
    for (const part of this.#parts) out += typeof part === 'string' ? part : (match[part] ?? '')
    return out
  }
  toString(): string {
    return this.template
  }
}
