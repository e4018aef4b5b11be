import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, TokenFileError, TokenResolutionError } from '../src/index.js'
import {
  EnvironmentResolver,
  loadTokenFiles,
  MapResolver,
  parseJavaProperties,
  PropertiesResolver,
  resolveTokens,
  SystemPropertiesResolver,
  TokenResolverChain,
  transformConfig,
} from '../src/internal.js'

const values = new MapResolver({
  'listen.port': '8080',
  hostname: 'ig',
  'protocol.scheme': 'https',
  'https.port': '8443',
  'capture.entity': 'true',
  'ig.instance.dir': '/path/to/ig',
  list: 'Apple, Banana',
  encoded: 'SGVsbG8=',
  'array.json': '[ "one", "two" ]',
})

describe('configuration tokens', () => {
  test.for([
    // reference: Syntax
    ['&{listen.port|8080}', '8080', 'Syntax: token with default'],
    ['&{missing.port|8080}', '8080', 'Syntax: the default when unresolved'],
    ['\\&{listen.port|8080}', '&{listen.port|8080}', 'Syntax: escaped'],
    ['&{hostname}.example.com', 'ig.example.com', 'Syntax: mixed with static text'],
    ['&{&{protocol.scheme}.port}', '8443', 'Syntax: nested'],
    ['&{&{protocol.scheme|http}.port|8080}', '8443', 'Syntax: nested with defaults, resolved'],
    ['&{&{no.scheme|http}.port|8080}', '8080', 'JSON evaluation: leaf first, defaults'],
    [
      '&{ig.instance.dir}/html/defaultResponse.html',
      '/path/to/ig/html/defaultResponse.html',
      'ig.instance.dir',
    ],
    ['no tokens here', 'no tokens here', 'plain text'],
    ['&{a|}', '', 'empty default'],
    ['&{a|x|y}', 'x|y', 'default with a bar'],
    ['&{a|&{hostname}}', 'ig', 'default that is a token'],
    ["${env['HOME']} &{hostname}", "${env['HOME']} ig", 'expressions are left alone'],
    ['&{hostname}&{listen.port}', 'ig8080', 'adjacent tokens'],
    ['price: 5&{x|}€', 'price: 5€', 'unicode around tokens'],
    ['&{unclosed', '&{unclosed', 'an unclosed token is text'],
  ] as const)('%s → %s (%s)', ([input, expected]) => {
    expect(resolveTokens(input, values)).toBe(expected)
  })

  test('an unresolvable token without default is an error naming the token', () => {
    let error: TokenResolutionError | undefined
    try {
      resolveTokens('port &{listen.nope}', values)
    } catch (err) {
      error = err as TokenResolutionError
    }
    expect(error?.token).toBe('listen.nope')
    expect(error?.message).toBe(
      'configuration token &{listen.nope} cannot be resolved and has no default',
    )
  })

  test('environment variables: periods become underscores, upper case (LISTEN_PORT)', () => {
    const env = new EnvironmentResolver({ LISTEN_PORT: '9090', MY_APP_URL: 'http://app' })
    expect(resolveTokens('&{listen.port}', env)).toBe('9090')
    expect(resolveTokens('&{my.app.url}', env)).toBe('http://app')
    expect(env.resolve('other')).toBeUndefined()
  })

  test('system properties must match exactly', () => {
    const system = new SystemPropertiesResolver({ 'listen.port': '7070' })
    expect(system.resolve('listen.port')).toBe('7070')
    expect(system.resolve('LISTEN_PORT')).toBeUndefined()
  })

  test('route properties, group properties and the chain order: route, parents, env, system, files', () => {
    const bootstrap = new TokenResolverChain([
      new EnvironmentResolver({ LISTEN_PORT: 'from-env', ONLY_ENV: 'env' }),
      new SystemPropertiesResolver({ 'listen.port': 'from-system', 'only.system': 'system' }),
    ])
    const config = bootstrap.child(
      new PropertiesResolver({ uriPath: 'hello', group: { var: 'grouped' }, ports: [8444, 8445] }),
    )
    const route = config.child(new PropertiesResolver({ uriPath: 'route-hello' }))
    expect(resolveTokens('&{uriPath}', route)).toBe('route-hello')
    expect(resolveTokens('&{uriPath}', config)).toBe('hello')
    expect(resolveTokens('&{group.var}', route)).toBe('grouped')
    expect(resolveTokens('&{ports}', route)).toBe('[8444,8445]')
    expect(resolveTokens('&{listen.port}', route)).toBe('from-env')
    expect(resolveTokens('&{only.system}-&{only.env}', route)).toBe('system-env')
  })

  test('token source files: .json by attribute name or path, .properties, in directory order', async () => {
    const root = mkdtempSync(join(tmpdir(), 'postern-tokens-'))
    const one = join(root, 'one')
    const two = join(root, 'two')
    mkdirSync(one)
    mkdirSync(two)
    writeFileSync(join(one, 'a.json'), JSON.stringify({ 'product.listen.port': 8080 }))
    writeFileSync(
      join(one, 'b.json'),
      JSON.stringify({ product: { listen: { address: '10.0.0.1' } } }),
    )
    writeFileSync(join(one, 'c.properties'), 'listen.port=8081\nlisten.address = 192.168.0.10\n')
    writeFileSync(join(two, 'd.properties'), 'listen.port=9999\nonly.two: yes\n')
    writeFileSync(join(two, 'ignored.txt'), 'x=y')
    const files = await loadTokenFiles([one, two])
    expect(files.resolve('product.listen.port')).toBe('8080')
    expect(files.resolve('product.listen.address')).toBe('10.0.0.1')
    expect(files.resolve('listen.port')).toBe('8081')
    expect(files.resolve('listen.address')).toBe('192.168.0.10')
    expect(files.resolve('only.two')).toBe('yes')
    expect(files.resolve('x')).toBeUndefined()
  })

  test('the same token in two files of one directory is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'postern-tokens-'))
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ listen: { port: 1 } }))
    writeFileSync(join(dir, 'b.properties'), 'listen.port=2')
    await expect(loadTokenFiles([dir])).rejects.toThrow(TokenFileError)
  })
})

describe('Java properties files', () => {
  test.for([
    ['key=value', { key: 'value' }],
    ['key = value', { key: 'value' }],
    ['key:value', { key: 'value' }],
    ['key value with spaces', { key: 'value with spaces' }],
    ['# comment\n! also\nk=v', { k: 'v' }],
    ['multi=one \\\n    two', { multi: 'one two' }],
    ['unicode=caf\\u00e9', { unicode: 'café' }],
    ['key\\ with\\ space=v', { 'key with space': 'v' }],
    ['tab=a\\tb', { tab: 'a\tb' }],
    ['empty=', { empty: '' }],
    ['   indented=yes', { indented: 'yes' }],
    ['#\n\nkey some value', { key: 'some value' }],
  ] as const)('%j', ([text, expected]) => {
    expect(parseJavaProperties(text)).toEqual(expected)
  })
})

describe('transformations', () => {
  test.for([
    [{ $int: '1234' }, 1234, 'int'],
    [{ $int: 'abc' }, null, 'int: not radix 10 is null'],
    [{ $int: '&{listen.port}' }, 8080, 'int of a token'],
    [{ $bool: '&{capture.entity}' }, true, 'bool of a token'],
    [{ $bool: 'TRUE' }, true, 'bool ignores case'],
    [{ $bool: 'yes' }, false, 'bool otherwise false'],
    [
      { $list: 'Apple,Banana,Orange,Strawberry' },
      ['Apple', 'Banana', 'Orange', 'Strawberry'],
      'list',
    ],
    [
      { $list: 'Apple, Banana, Orange, Strawberry' },
      ['Apple', ' Banana', ' Orange', ' Strawberry'],
      'list keeps spaces',
    ],
    [{ $list: '1,2,3,4' }, ['1', '2', '3', '4'], 'list of strings, not numbers'],
    [{ $list: '&{list}' }, ['Apple', ' Banana'], 'list of a token'],
    [{ $number: '.999' }, 0.999, 'number'],
    [{ $number: '42' }, 42, 'number integer'],
    [{ $array: '[ "one", "two" ]' }, ['one', 'two'], 'array'],
    [
      { $array: { '$base64:decode': Buffer.from('[ "one", "two" ]').toString('base64') } },
      ['one', 'two'],
      'nested: array of base64',
    ],
    [
      { $object: '{"ParamOne":{"InnerParamOne":"InnerParamOneValue","InnerParamTwo": false}}' },
      { ParamOne: { InnerParamOne: 'InnerParamOneValue', InnerParamTwo: false } },
      'object',
    ],
    [{ '$base64:decode': 'SGVsbG8=', $charset: 'UTF-8' }, 'Hello', 'base64 decode'],
    [{ '$base64:decode': '&{encoded}' }, 'Hello', 'base64 decode of a token'],
    [{ '$base64:encode': 'Hello', $charset: 'UTF-8' }, 'SGVsbG8=', 'base64 encode'],
    [{ $string: '&{ig.instance.dir}' }, '/path/to/ig', 'string'],
    [
      { port: '&{listen.port}', nested: [{ $int: '7' }, 'x'] },
      { port: '8080', nested: [7, 'x'] },
      'whole document',
    ],
    [{ $int: null }, null, 'null input'],
  ] as const)('%j → %j (%s)', ([input, expected]) => {
    expect(transformConfig(input, values)).toEqual(expected)
  })

  test.for([
    [{ handler: { config: { port: '&{nope}' } } }, '/handler/config/port'],
    [{ a: [{ $array: 'not json' }] }, '/a/0'],
    [{ a: { $number: 'x' } }, '/a'],
    [{ a: { $int: { $list: 'a,b' } } }, '/a/$int'],
    [{ a: { '$base64:decode': 'eA==', $charset: 'EBCDIC' } }, '/a/$charset'],
  ] as const)('an error names the JSON pointer: %j', ([input, pointer]) => {
    let error: ConfigError | undefined
    try {
      transformConfig(input, values, '', 'config/routes/r.json')
    } catch (err) {
      error = err as ConfigError
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect(error?.code).toBe('ERR_POSTERN_CONFIG')
    expect(error?.source).toBe('config/routes/r.json')
    expect(error?.pointer).toBe(pointer)
  })
})
