import { selectAll as cssSelectAll, selectOne as cssSelectOne } from 'css-select'
import type { AnyNode, Document, Element } from 'domhandler'
import { textContent } from 'domutils'
import { decodeHTML } from 'entities'
import { parseDocument } from 'htmlparser2'

/** A form of a page, with the entries a submission sends unless told otherwise. */
export interface Form {
  /** Its position among the page's forms, from 0. */
  index: number
  id: string | undefined
  name: string | undefined
  method: 'GET' | 'POST'
  /** The action, resolved against the page's URL (or its `<base href>`). */
  action: string
  enctype: string
  /** The entries, in document order, as a submission sends them: `[['SAMLResponse', '...']]`. */
  fields: Array<[string, string]>
  /** The first value of each field, for assertions: `form.values.state`. */
  values: Record<string, string>
  /** Whether a script or an `onload` attribute submits it as the page loads. */
  autoSubmit: boolean
}

/** Which form of a page: a CSS selector (`'#login'`, `'form[action$="/callback"]'`) or an index. */
export interface FormChoice {
  selector?: string
  index?: number
}

/** What a form submission sends; `values` replace, add (`'x'`, `['a', 'b']`) or drop (`null`). */
export interface SubmitOptions extends FormChoice {
  values?: Record<string, string | readonly string[] | null>
  /** A CSS selector of the submit button clicked: its name and value are sent, its `formaction` used. */
  submitter?: string
}

export interface Submission {
  method: 'GET' | 'POST'
  url: string
  body: string | FormData | undefined
  contentType: string | undefined
}

const selectAll = (query: string, root: AnyNode) => cssSelectAll<AnyNode, Element>(query, root)
const selectOne = (query: string, root: AnyNode) => cssSelectOne<AnyNode, Element>(query, root)

const SUBMITTABLE = 'input, select, textarea, button'
const BUTTON_TYPES = new Set(['submit', 'reset', 'button', 'image'])

/** The forms of an HTML page, parsed once (htmlparser2 closes elements as browsers do). */
export class HtmlForms {
  readonly #document: Document
  readonly #pageUrl: string
  readonly #baseUrl: string
  readonly #elements: Element[]
  readonly #auto: Element | undefined
  #forms: Form[] | undefined

  constructor(html: string, pageUrl: string) {
    this.#document = parseDocument(html)
    const base = selectOne('base[href]', this.#document)?.attribs.href
    this.#pageUrl = pageUrl
    this.#baseUrl = base ? new URL(base, pageUrl).href : pageUrl
    this.#elements = selectAll('form', this.#document)
    this.#auto = this.#autoSubmitted()
  }

  get all(): Form[] {
    this.#forms ??= this.#elements.map((element, index) => this.#describe(element, index))
    return this.#forms
  }

  /** The form a script submits on load, if any. */
  get autoSubmit(): Form | undefined {
    return this.#auto ? this.all[this.#elements.indexOf(this.#auto)] : undefined
  }

  /** One form, by selector or index; without either, the only form of the page. */
  choose({ selector, index }: FormChoice = {}): Form {
    if (selector !== undefined) {
      const element = selectOne(selector, this.#document)
      const form = element && (element.name === 'form' ? element : ownerOf(element))
      if (!form) throw new Error(`no form matches ${selector}`)
      return this.all[this.#elements.indexOf(form)]!
    }
    if (index !== undefined) {
      const form = this.all[index]
      if (!form) throw new Error(`no form at index ${index}: the page has ${this.all.length}`)
      return form
    }
    if (this.all.length !== 1)
      throw new Error(`the page has ${this.all.length} forms: choose one by selector or index`)
    return this.all[0]!
  }

  /** The request a browser sends to submit `form` (HTML, "form submission algorithm"). */
  submission(form: Form, { values = {}, submitter }: SubmitOptions = {}): Submission {
    const element = this.#elements[form.index]!
    let button: Element | undefined
    if (submitter !== undefined) {
      button = selectOne(submitter, element) ?? undefined
      if (!button) throw new Error(`no submit button ${submitter} in the form`)
    }
    const attr = (name: string, formName: string) =>
      button?.attribs[formName] ?? element.attribs[name]
    const method = methodOf(attr('method', 'formmethod'))
    const action = this.#actionOf(attr('action', 'formaction'))
    const enctype = enctypeOf(attr('enctype', 'formenctype'))
    const entries = merge(this.#entries(element, button), values)
    if (method === 'GET') {
      const url = new URL(action)
      url.search = new URLSearchParams(entries).toString()
      return { method, url: url.href, body: undefined, contentType: undefined }
    }
    if (enctype === 'multipart/form-data') {
      const body = new FormData()
      for (const [name, value] of entries) body.append(name, value)
      return { method, url: action, body, contentType: undefined }
    }
    if (enctype === 'text/plain') {
      const body = entries.map(([name, value]) => `${name}=${value}\r\n`).join('')
      return { method, url: action, body, contentType: 'text/plain;charset=UTF-8' }
    }
    const body = new URLSearchParams(entries).toString()
    return { method, url: action, body, contentType: 'application/x-www-form-urlencoded' }
  }

  #describe(element: Element, index: number): Form {
    const fields = this.#entries(element, undefined)
    const values: Record<string, string> = {}
    for (const [name, value] of fields) values[name] ??= value
    return {
      index,
      id: element.attribs.id,
      name: element.attribs.name,
      method: methodOf(element.attribs.method),
      action: this.#actionOf(element.attribs.action),
      enctype: enctypeOf(element.attribs.enctype),
      fields,
      values,
      autoSubmit: element === this.#auto,
    }
  }

  /** HTML, "constructing the entry list": the controls this form owns, in tree order. */
  #entries(form: Element, submitter: Element | undefined): Array<[string, string]> {
    const entries: Array<[string, string]> = []
    for (const control of selectAll(SUBMITTABLE, this.#document)) {
      if (this.#ownerOf(control) !== form || isDisabled(control)) continue
      const { name: tag, attribs } = control
      const type = (attribs.type ?? '').toLowerCase()
      const name = attribs.name
      const isButton = tag === 'button' || (tag === 'input' && BUTTON_TYPES.has(type))
      if (isButton) {
        if (control !== submitter || (tag === 'button' && type !== '' && type !== 'submit'))
          continue
        if (type === 'image') {
          const prefix = name ? `${name}.` : ''
          entries.push([`${prefix}x`, '0'], [`${prefix}y`, '0'])
        } else if (name) entries.push([name, attribs.value ?? ''])
        continue
      }
      if (!name) continue
      if (tag === 'select') {
        for (const value of selectedValues(control)) entries.push([name, value])
      } else if (tag === 'textarea') {
        // the parser drops one newline right after <textarea>
        entries.push([name, decodeHTML(textContent(control)).replace(/^\r?\n/, '')])
      } else if (type === 'checkbox' || type === 'radio') {
        if ('checked' in attribs) entries.push([name, attribs.value ?? 'on'])
      } else if (type !== 'file') {
        entries.push([name, attribs.value ?? ''])
      }
    }
    return entries
  }

  // an empty action is the page's own URL, whatever <base> says
  #actionOf(action: string | undefined): string {
    const trimmed = action?.trim()
    return trimmed ? new URL(trimmed, this.#baseUrl).href : this.#pageUrl
  }

  #ownerOf(control: Element): Element | undefined {
    const id = control.attribs.form
    if (id !== undefined) return this.#elements.find((f) => f.attribs.id === id)
    return ownerOf(control)
  }

  /**
   * The form submitted as the page loads, by an inline script or an `on*` attribute, as the
   * OAuth 2.0 form_post and SAML POST binding pages do: `document.forms[0].submit()`,
   * `document.getElementById('f').submit()`, `document.querySelector('form').submit()`.
   */
  #autoSubmitted(): Element | undefined {
    const scripts = selectAll('script:not([src])', this.#document).map((s) => textContent(s))
    const handlers = selectAll('[onload], [onpageshow]', this.#document).flatMap((e) =>
      [e.attribs.onload, e.attribs.onpageshow].filter((code) => code !== undefined),
    )
    for (const code of [...scripts, ...handlers]) {
      if (!/\.(submit|requestSubmit)\s*\(/.test(code)) continue
      const target = this.#targetOf(code)
      if (target) return target
    }
    return undefined
  }

  #targetOf(code: string): Element | undefined {
    let m: RegExpExecArray | null
    const formOrOwner = (e: Element | null | undefined) =>
      e ? (e.name === 'form' ? e : this.#ownerOf(e)) : undefined
    if ((m = /forms\s*\[\s*(\d+)\s*\]/.exec(code))) return this.#elements[Number(m[1])]
    if ((m = /forms\s*(?:\[\s*['"]([^'"]+)['"]\s*\]|\.(\w+))/.exec(code))) {
      const key = m[1] ?? m[2]
      return this.#elements.find((f) => f.attribs.name === key || f.attribs.id === key)
    }
    if ((m = /getElementById\s*\(\s*['"]([^'"]+)['"]\s*\)/.exec(code)))
      return formOrOwner(selectOne(`[id="${m[1]}"]`, this.#document))
    if ((m = /querySelector\s*\(\s*(['"])(.+?)\1\s*\)/.exec(code)))
      return formOrOwner(selectOne(m[2]!, this.#document))
    if ((m = /document\.(\w+)\.submit\s*\(/.exec(code)))
      return this.#elements.find((f) => f.attribs.name === m![1])
    return this.#elements[0]
  }
}

function ownerOf(element: Element): Element | undefined {
  for (let p = element.parent; p; p = p.parent)
    if (p.type === 'tag' && (p as Element).name === 'form') return p as Element
  return undefined
}

function isDisabled(control: Element): boolean {
  if ('disabled' in control.attribs) return true
  for (let p = control.parent; p; p = p.parent)
    if (
      p.type === 'tag' &&
      (p as Element).name === 'fieldset' &&
      'disabled' in (p as Element).attribs
    )
      return true
  return false
}

function selectedValues(select: Element): string[] {
  const options = selectAll('option', select).filter((o) => !('disabled' in o.attribs))
  const valueOf = (o: Element) => o.attribs.value ?? textContent(o).replace(/\s+/g, ' ').trim()
  const selected = options.filter((o) => 'selected' in o.attribs)
  if (selected.length > 0) return selected.map(valueOf)
  // a single-line select without a selected option submits its first option
  const single = !('multiple' in select.attribs) && Number(select.attribs.size ?? 1) <= 1
  return single && options[0] ? [valueOf(options[0])] : []
}

function merge(
  entries: Array<[string, string]>,
  values: Record<string, string | readonly string[] | null>,
): Array<[string, string]> {
  let result = entries
  for (const [name, given] of Object.entries(values)) {
    const queue = given === null ? [] : typeof given === 'string' ? [given] : [...given]
    const next: Array<[string, string]> = []
    for (const entry of result) {
      if (entry[0] !== name) next.push(entry)
      else if (queue.length > 0) next.push([name, queue.shift()!])
    }
    for (const value of queue) next.push([name, value])
    result = next
  }
  return result
}

function methodOf(method: string | undefined): 'GET' | 'POST' {
  const m = (method ?? 'get').toLowerCase()
  if (m === 'dialog') throw new Error('method="dialog" closes a dialog: nothing to submit')
  return m === 'post' ? 'POST' : 'GET'
}

function enctypeOf(enctype: string | undefined): string {
  const e = (enctype ?? '').toLowerCase()
  return e === 'multipart/form-data' || e === 'text/plain' ? e : 'application/x-www-form-urlencoded'
}
