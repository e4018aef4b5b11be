import { describe, expect, test } from 'vitest'
import { MutableUri, UriSyntaxError } from './uri.js'

describe('MutableUri', () => {
  test.for([
    {
      uri: 'https://user%20x:pw@www.example.com:8443/a%20b/c?q=1%202&r#frag%21',
      parts: {
        scheme: 'https',
        rawUserInfo: 'user%20x:pw',
        userInfo: 'user x:pw',
        host: 'www.example.com',
        port: 8443,
        rawPath: '/a%20b/c',
        path: '/a b/c',
        rawQuery: 'q=1%202&r',
        query: 'q=1 2&r',
        rawFragment: 'frag%21',
        fragment: 'frag!',
        rawAuthority: 'user%20x:pw@www.example.com:8443',
        authority: 'user x:pw@www.example.com:8443',
      },
    },
    {
      uri: 'http://localhost/',
      parts: {
        scheme: 'http',
        host: 'localhost',
        port: null,
        rawPath: '/',
        query: null,
        fragment: null,
        userInfo: null,
        effectivePort: 80,
      },
    },
    { uri: 'http://[::1]:8080/x', parts: { host: '[::1]', port: 8080, path: '/x' } },
    {
      uri: '/relative/path?x=y',
      parts: { scheme: null, host: null, authority: null, path: '/relative/path', query: 'x=y' },
    },
    { uri: 'urn:isbn:0451450523', parts: { scheme: 'urn', host: null, path: 'isbn:0451450523' } },
  ])('parses $uri', ({ uri, parts }) => {
    const parsed = MutableUri.parse(uri)
    for (const [key, value] of Object.entries(parts))
      expect(parsed[key as keyof MutableUri], key).toEqual(value)
    expect(parsed.toString()).toBe(uri)
  })

  test.for(['http://exa mple.com/', 'http://host:99999/', 'http://a/<b>'])('refuses %s', (text) => {
    expect(() => MutableUri.parse(text)).toThrow(UriSyntaxError)
    expect(MutableUri.tryParse(text)).toBeNull()
  })

  test('keeps the raw path byte for byte', () => {
    const uri = MutableUri.parse('http://h/a%2Fb/%7Euser/..%2F')
    expect(uri.rawPath).toBe('/a%2Fb/%7Euser/..%2F')
    expect(uri.requestTarget).toBe('/a%2Fb/%7Euser/..%2F')
  })

  test('setting a decoded part encodes it', () => {
    const uri = MutableUri.parse('http://h/x')
    uri.path = '/a b/ü'
    uri.query = 'name=a b'
    uri.fragment = 'top of page'
    expect(uri.toString()).toBe('http://h/a%20b/%C3%BC?name=a%20b#top%20of%20page')
    expect(uri.path).toBe('/a b/ü')
  })

  test('rebase takes only scheme, host and port of the base URI', () => {
    const uri = MutableUri.parse('http://gateway:8080/app/page?x=1')
    uri.rebase(MutableUri.parse('https://backend:8443/base/'))
    expect(uri.toString()).toBe('https://backend:8443/app/page?x=1')
    const root = MutableUri.parse('http://gw/p').rebase(MutableUri.parse('http://app:8081'))
    expect(root.toString()).toBe('http://app:8081/p')
  })

  test('resolve follows RFC 3986', () => {
    expect(MutableUri.parse('http://h/a/b/c').resolve('../d?q').toString()).toBe('http://h/a/d?q')
  })

  test('requestTarget of an empty path is /', () => {
    expect(MutableUri.parse('http://h').requestTarget).toBe('/')
    expect(MutableUri.parse('http://h?x=1').requestTarget).toBe('/?x=1')
  })
})
