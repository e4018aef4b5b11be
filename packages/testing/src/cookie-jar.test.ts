import { describe, expect, test } from 'vitest'
import { CookieJar, defaultPath, parseSetCookie, pathMatches } from './cookie-jar.js'

const at = (
  url: string,
  more: { method?: string; crossSite?: boolean; navigation?: boolean } = {},
) => ({
  url: new URL(url),
  method: more.method ?? 'GET',
  navigation: more.navigation ?? true,
  crossSite: more.crossSite ?? false,
})

describe('parsing Set-Cookie (RFC 6265 §5.2)', () => {
  test('name and value are trimmed; attributes are case-insensitive and the last one wins', () => {
    expect(
      parseSetCookie(' id = a b ; PATH=/x; path=/y; secure; HttpOnly; samesite=STRICT; Max-Age=5'),
    ).toEqual({
      name: 'id',
      value: 'a b',
      attributes: {
        expires: undefined,
        maxAge: 5,
        domain: undefined,
        path: '/y',
        secure: true,
        httpOnly: true,
        sameSite: 'Strict',
      },
    })
  })

  test('a pair without "=" is a value with an empty name; an unknown SameSite is Lax', () => {
    expect(parseSetCookie('token; SameSite=sometimes')).toMatchObject({
      name: '',
      value: 'token',
      attributes: { sameSite: 'Lax' },
    })
  })

  test('bad Max-Age and Expires values and a relative Path are ignored; the Domain dot is dropped', () => {
    expect(
      parseSetCookie('a=1; Max-Age=1e3; Expires=someday; Path=rel; Domain=.Example.LOCALHOST'),
    ).toMatchObject({
      attributes: {
        maxAge: undefined,
        expires: undefined,
        path: undefined,
        domain: 'example.localhost',
      },
    })
    expect(parseSetCookie('a=1; Expires=Wed, 21-Oct-2015 07:28:00 GMT')).toMatchObject({
      attributes: { expires: Date.UTC(2015, 9, 21, 7, 28) },
    })
  })

  test('control characters and an empty pair are refused', () => {
    expect(parseSetCookie('a=1\x01')).toBe('a control character')
    expect(parseSetCookie('=; Path=/')).toBe('an empty name and value')
  })

  test('default-path and path-match', () => {
    expect([
      defaultPath('/'),
      defaultPath('/a'),
      defaultPath('/a/b'),
      defaultPath('/a/b/'),
    ]).toEqual(['/', '/', '/a', '/a/b'])
    expect(pathMatches('/docs/web', '/docs')).toBe(true)
    expect(pathMatches('/docs/', '/docs/')).toBe(true)
    expect(pathMatches('/docsets', '/docs')).toBe(false)
  })
})

describe('storing and sending', () => {
  test('a cookie of the same name, domain and path replaces the old one and keeps its place', () => {
    const jar = new CookieJar()
    jar.set('a=1', at('http://app.localhost/'))
    jar.set('b=1', at('http://app.localhost/'))
    jar.set('a=2', at('http://app.localhost/'))
    expect(jar.header(at('http://app.localhost/'))).toBe('a=2; b=1')
  })

  test('Secure cookies are set and sent over http on localhost names and loopback addresses only', () => {
    const jar = new CookieJar()
    expect(jar.set('s=1; Secure', at('http://app.localhost/'))).toBeUndefined()
    expect(jar.set('s=1; Secure', at('http://127.0.0.1/'))).toBeUndefined()
    expect(jar.set('s=1; Secure', at('http://intranet.test/'))).toBe(
      'Secure from an insecure origin',
    )
    jar.set('s=1; Secure; Domain=intranet.test', at('https://www.intranet.test/'))
    expect(jar.header(at('https://intranet.test/'))).toBe('s=1')
    expect(jar.header(at('http://intranet.test/'))).toBeUndefined()
    // an insecure origin cannot overwrite it either
    expect(jar.set('s=evil', at('http://intranet.test/'))).toBe(
      'would overwrite a Secure cookie from an insecure origin',
    )
  })

  test('the __Secure- and __Host- prefixes are enforced', () => {
    const jar = new CookieJar()
    const url = 'http://a.example.localhost/app/login' // default path: /app
    expect(jar.set('__Secure-a=1', at(url))).toBe('__Secure- prefix without Secure')
    expect(jar.set('__Host-a=1; Secure', at(url))).toBe(
      '__Host- prefix needs Secure, no Domain and Path=/',
    )
    expect(jar.set('__Host-a=1; Secure; Path=/; Domain=example.localhost', at(url))).toBe(
      '__Host- prefix needs Secure, no Domain and Path=/',
    )
    expect(jar.set('__Host-a=1; Secure; Path=/', at(url))).toBeUndefined()
    expect(jar.set('__Secure-b=1; Secure; Domain=example.localhost', at(url))).toBeUndefined()
  })

  test('on an address, Domain must be the address itself, and makes a host-only cookie', () => {
    const jar = new CookieJar()
    expect(jar.set('a=1; Domain=127.0.0.1', at('http://127.0.0.1/'))).toBeUndefined()
    expect(jar.all()).toMatchObject([{ domain: '127.0.0.1', hostOnly: true }])
    expect(jar.set('a=1; Domain=0.0.1', at('http://127.0.0.1/'))).toBe(
      'Domain=0.0.1 is a public suffix or not this host',
    )
  })

  test('Domain equal to a single-label host is accepted as a host-only cookie', () => {
    const jar = new CookieJar()
    expect(jar.set('a=1; Domain=localhost', at('http://localhost/'))).toBeUndefined()
    expect(jar.all()).toMatchObject([{ domain: 'localhost', hostOnly: true }])
    expect(jar.header(at('http://app.localhost/'))).toBeUndefined()
  })

  test('a cross-site response to a script cannot set Lax or Strict cookies; a navigation can', () => {
    const jar = new CookieJar()
    const script = at('http://app.localhost/', { crossSite: true, navigation: false })
    expect(jar.set('a=1', script)).toBe(
      'SameSite=Lax from a cross-site request that is not a navigation',
    )
    expect(jar.set('b=1; SameSite=None; Secure', script)).toBeUndefined()
    expect(
      jar.set('c=1; SameSite=Strict', at('http://app.localhost/', { crossSite: true })),
    ).toBeUndefined()
    expect(jar.refused.map((r) => r.setCookie)).toEqual(['a=1'])
  })

  test('cross-site, Lax cookies go with safe-method navigations only', () => {
    const jar = new CookieJar()
    jar.set('lax=1; SameSite=Lax', at('http://app.localhost/'))
    const cross = (method: string, navigation = true) =>
      jar.header(at('http://app.localhost/', { method, navigation, crossSite: true }))
    expect([cross('GET'), cross('HEAD'), cross('POST'), cross('PUT'), cross('GET', false)]).toEqual(
      ['lax=1', 'lax=1', undefined, undefined, undefined],
    )
  })
})
