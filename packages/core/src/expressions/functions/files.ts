import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { nodeEncoding } from '../../util/charset.js'
import { parseJavaProperties } from '../../util/properties.js'
import { isNullish, toText } from '../coerce.js'

type Fn = (...args: unknown[]) => unknown

function readText(name: unknown, charset: string): string | null {
  if (isNullish(name)) return null
  const encoding = nodeEncoding(charset)
  if (!encoding) return null
  try {
    return readFileSync(resolve(toText(name)), encoding)
  } catch {
    return null
  }
}

function fileUrl(path: unknown): string | null {
  if (isNullish(path)) return null
  const p =
    typeof path === 'object' && path !== null && 'path' in path
      ? toText((path as { path: unknown }).path)
      : toText(path)
  return pathToFileURL(resolve(p)).toString()
}

export const fileFunctions: Record<string, Fn> = {
  read: (name) => readText(name, 'utf-8'),
  readWithCharset: (name, charset) =>
    readText(name, isNullish(charset) ? 'utf-8' : toText(charset)),
  readProperties: (name) => {
    const text = readText(name, 'iso-8859-1')
    return text === null ? null : parseJavaProperties(text)
  },
  pathToUrl: fileUrl,
  fileToUrl: fileUrl,
}
