import type { ExpressionFunction } from './functions/index.js'
/** The parsed form of one `${...}`. */
export type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'member'; obj: Node; key: string }
  | { t: 'index'; obj: Node; key: Node }
  | { t: 'call'; name: string; fn: ExpressionFunction; args: Node[] }
  | { t: 'method'; obj: Node; name: string; args: Node[] }
  | { t: 'unary'; op: '-' | '!' | 'empty'; arg: Node }
  | { t: 'bin'; op: BinaryOp; l: Node; r: Node }
  | { t: 'cond'; test: Node; yes: Node; no: Node }

export type BinaryOp =
  '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '&&' | '||'

/** A template: literal text and expressions, in order. */
export type Part = string | { node: Node; deferred: boolean; source: string }

/** Prints a node back as expression text (used by toString round trips and messages). */
export function print(node: Node): string {
  switch (node.t) {
    case 'lit':
      return typeof node.v === 'string'
        ? `'${node.v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
        : String(node.v)
    case 'id':
      return node.name
    case 'member':
      return `${print(node.obj)}.${node.key}`
    case 'index':
      return `${print(node.obj)}[${print(node.key)}]`
    case 'call':
      return `${node.name}(${node.args.map(print).join(', ')})`
    case 'method':
      return `${print(node.obj)}.${node.name}(${node.args.map(print).join(', ')})`
    case 'unary':
      return node.op === 'empty' ? `empty ${print(node.arg)}` : `${node.op}${print(node.arg)}`
    case 'bin':
      return `(${print(node.l)} ${node.op} ${print(node.r)})`
    case 'cond':
      return `(${print(node.test)} ? ${print(node.yes)} : ${print(node.no)})`
  }
}

/** Whether a node reads `.entity` anywhere (the caller must buffer bodies first). */
export function readsEntity(node: Node): boolean {
  switch (node.t) {
    case 'lit':
    case 'id':
      return false
    case 'member':
      return node.key === 'entity' || readsEntity(node.obj)
    case 'index':
      return (
        (node.key.t === 'lit' && node.key.v === 'entity') ||
        readsEntity(node.obj) ||
        readsEntity(node.key)
      )
    case 'call':
      return node.args.some(readsEntity)
    case 'method':
      return readsEntity(node.obj) || node.args.some(readsEntity)
    case 'unary':
      return readsEntity(node.arg)
    case 'bin':
      return readsEntity(node.l) || readsEntity(node.r)
    case 'cond':
      return readsEntity(node.test) || readsEntity(node.yes) || readsEntity(node.no)
  }
}
