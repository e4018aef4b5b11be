import { describe, expect, test } from 'vitest'
import { HtmlForms } from './html-form.js'

const page = 'http://sp.localhost:8080/saml/acs/page'

describe('reading forms', () => {
  test('a SAML POST binding page: action, method and hidden fields, entities decoded', () => {
    const forms = new HtmlForms(
      `<HTML><BODY Onload="document.forms[0].submit()">
        <FORM METHOD="POST" ACTION="https://sp.localhost/acs?a=1&amp;b=2">
          <INPUT TYPE="HIDDEN" NAME="SAMLResponse" VALUE="PHNhbWxwOlJlc3BvbnNlLz4="/>
          <INPUT TYPE="HIDDEN" NAME="RelayState" VALUE="/app?x=1&amp;y=&quot;2&quot;"/>
          <NOSCRIPT><INPUT TYPE="SUBMIT" VALUE="Continue"/></NOSCRIPT>
        </FORM></BODY></HTML>`,
      page,
    )
    expect(forms.all).toEqual([
      {
        index: 0,
        id: undefined,
        name: undefined,
        method: 'POST',
        action: 'https://sp.localhost/acs?a=1&b=2',
        enctype: 'application/x-www-form-urlencoded',
        fields: [
          ['SAMLResponse', 'PHNhbWxwOlJlc3BvbnNlLz4='],
          ['RelayState', '/app?x=1&y="2"'],
        ],
        values: { SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=', RelayState: '/app?x=1&y="2"' },
        autoSubmit: true,
      },
    ])
  })

  test('controls as a browser submits them: checked boxes, selected options, textarea, no disabled', () => {
    const forms = new HtmlForms(
      `<form>
        <input name="text" value="t"><input type="checkbox" name="on" checked>
        <input type="checkbox" name="off" value="x"><input type="radio" name="r" value="1">
        <input type="radio" name="r" value="2" checked><input name="gone" value="x" disabled>
        <fieldset disabled><input name="also-gone" value="x"></fieldset>
        <select name="one"><option>first<option disabled selected>bad<option selected value="v">second</select>
        <select name="many" multiple><option selected>a<option>b<option selected>c</select>
        <select name="none" multiple><option>a</select>
        <textarea name="area">
line &amp; more</textarea>
        <input type="file" name="upload"><input type="submit" name="go" value="Go">
        <input value="no name">
      </form>
      <input form="f2" name="outside" value="o"><form id="f2"></form>`,
      page,
    )
    expect(forms.all[0]!.fields).toEqual([
      ['text', 't'],
      ['on', 'on'],
      ['r', '2'],
      ['one', 'v'],
      ['many', 'a'],
      ['many', 'c'],
      ['area', 'line & more'],
    ])
    expect(forms.all[1]!.fields).toEqual([['outside', 'o']])
  })

  test('the action defaults to the page URL and resolves against <base href>', () => {
    const forms = new HtmlForms(
      `<base href="https://idp.localhost/am/"><form></form><form action="XUI/login"></form>`,
      page,
    )
    expect(forms.all.map((f) => [f.method, f.action])).toEqual([
      ['GET', page],
      ['GET', 'https://idp.localhost/am/XUI/login'],
    ])
  })

  test('choosing a form by selector, by an element inside it, or by index; otherwise there must be one', () => {
    const forms = new HtmlForms(
      `<form id="a"></form><form name="b" action="/b"><button id="go">Go</button></form>`,
      page,
    )
    expect(forms.choose({ selector: 'form[action="/b"]' }).index).toBe(1)
    expect(forms.choose({ selector: '#go' }).index).toBe(1)
    expect(forms.choose({ index: 0 }).id).toBe('a')
    expect(() => forms.choose()).toThrow('the page has 2 forms: choose one by selector or index')
    expect(() => forms.choose({ selector: '#nope' })).toThrow('no form matches #nope')
    expect(() => forms.choose({ index: 2 })).toThrow('no form at index 2: the page has 2')
  })
})

describe('auto-submitting pages', () => {
  test.for([
    ['<body onload="document.forms[1].submit()">', 1],
    ["<script>document.forms['second'].submit()</script>", 1],
    ['<script>document.forms.second.submit()</script>', 1],
    ['<script>document.second.submit()</script>', 1],
    ["<script>document.getElementById('s').requestSubmit()</script>", 1],
    [
      `<script>window.addEventListener('load', () => document.querySelector('form[name="second"]').submit())</script>`,
      1,
    ],
    ['<script>document.forms[0].submit()</script>', 0],
    ['<script>var f = document.getElementsByTagName("form")[0]; f.submit();</script>', 0],
    ['<script src="/auto-submit.js"></script>', undefined],
    ['<button onclick="document.forms[1].submit()">later</button>', undefined],
  ] as const)('%s submits form %s', ([markup, index]) => {
    const forms = new HtmlForms(
      `<form id="f"></form><form id="s" name="second"></form>${markup}`,
      page,
    )
    expect(forms.autoSubmit?.index).toBe(index)
  })
})

describe('submissions', () => {
  const forms = new HtmlForms(
    `<form method="post" action="/consent">
      <input type="hidden" name="csrf" value="t"><input type="hidden" name="scope" value="openid">
      <input type="hidden" name="scope" value="profile">
      <button name="decision" value="allow" formaction="/consent?allow">Allow</button>
      <button name="decision" value="deny">Deny</button>
      <input type="image" name="map" src="/i.png"><button type="button" name="b">no</button>
    </form>`,
    page,
  )

  test('values replace fields in place, several values replace several, null drops a field', () => {
    const body = (values: Record<string, string | string[] | null>) =>
      forms.submission(forms.all[0]!, { values }).body
    expect(body({})).toBe('csrf=t&scope=openid&scope=profile')
    expect(body({ scope: 'email' })).toBe('csrf=t&scope=email')
    expect(body({ scope: ['a', 'b', 'c'], extra: '1' })).toBe(
      'csrf=t&scope=a&scope=b&scope=c&extra=1',
    )
    expect(body({ csrf: null })).toBe('scope=openid&scope=profile')
  })

  test('the submitter adds its name and value and may override the action', () => {
    const allow = forms.submission(forms.all[0]!, { submitter: 'button[value=allow]' })
    expect(allow).toEqual({
      method: 'POST',
      url: 'http://sp.localhost:8080/consent?allow',
      body: 'csrf=t&scope=openid&scope=profile&decision=allow',
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(forms.submission(forms.all[0]!, { submitter: 'input[type=image]' }).body).toBe(
      'csrf=t&scope=openid&scope=profile&map.x=0&map.y=0',
    )
    expect(forms.submission(forms.all[0]!, { submitter: 'button[type=button]' }).body).toBe(
      'csrf=t&scope=openid&scope=profile',
    )
    expect(() => forms.submission(forms.all[0]!, { submitter: '#none' })).toThrow(
      'no submit button #none in the form',
    )
  })

  test('a text/plain form is name=value lines', () => {
    const plain = new HtmlForms(
      `<form method="post" enctype="text/plain"><input name="a" value="1 2"><input name="b"></form>`,
      page,
    )
    expect(plain.submission(plain.all[0]!)).toMatchObject({
      body: 'a=1 2\r\nb=\r\n',
      contentType: 'text/plain;charset=UTF-8',
    })
  })
})
