import { isNullish, toText } from '../coerce.js'
import { compilePattern, compileWholePattern } from '../patterns.js'

type Fn = (...args: unknown[]) => unknown

function regex(pattern: unknown, whole = false): RegExp | null {
  if (isNullish(pattern)) return null
  try {
    const source = toText(pattern)
    return whole ? compileWholePattern(source) : compilePattern(source)
  } catch {
    return null
  }
}

function groups(s: unknown, pattern: unknown): (string | null)[] | null {
  const re = regex(pattern)
  if (re === null || isNullish(s)) return null
  const m = re.exec(toText(s))
  return m ? [...m].map((g) => g ?? null) : null
}

export const regexFunctions: Record<string, Fn> = {
  find: (s, pattern) => {
    const re = regex(pattern)
    return re !== null && !isNullish(s) && re.test(toText(s))
  },
  findGroups: groups,
  matchesWithRegex: (s, pattern) => {
    const re = regex(pattern, true)
    return re !== null && !isNullish(s) && re.test(toText(s))
  },
  matches: (s, pattern) => {
    const re = regex(pattern)
    return re !== null && !isNullish(s) && re.test(toText(s))
  },
  matchingGroups: groups,
}
