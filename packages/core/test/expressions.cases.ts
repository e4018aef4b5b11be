import { Request } from '../src/messages/index.js'

export interface ExpressionCase {
  ref: string
  expression: string
  expected: unknown
  bindings?: Record<string, unknown>
  expectedType?: 'string' | 'boolean' | 'integer' | 'number' | 'any'
}

const request = () =>
  new Request({
    method: 'POST',
    uri: 'http://www.example.com:8080/home/index.html?one=1&two=2',
    headers: {
      'Content-Type': 'text/plain',
      UserId: ['bjensen', 'second'],
      'X-Forwarded-Host': 'service.example.com',
      Cookie: 'my-jwt=abc; SESSION=value',
    },
  })

const data = {
  'dash-separated-name': 'dashed',
  list: ['a', 'b', 'c'],
  nested: { n: { v: 42 } },
  empty: [],
  text: 'Hello',
}

/** Every example of the Expressions, Functions and Patterns chapters, then the edge cases around them. */
export const cases = (): ExpressionCase[] => [
  // Expressions chapter
  {
    ref: 'Expressions: request URI',
    expression: '${request.uri}',
    expected: 'http://www.example.com:8080/home/index.html?one=1&two=2',
    bindings: { request: request() },
    expectedType: 'string',
  },
  {
    ref: 'Expressions: find on the path',
    expression: "${find(request.uri.path, '^/home')}",
    expected: true,
    bindings: { request: request() },
  },
  {
    ref: 'Expressions: Java method',
    expression: '${request.uri.path.startsWith("/home")}',
    expected: true,
    bindings: { request: request() },
  },
  {
    ref: 'Expressions: system property',
    expression: "${system['user.home']}",
    expected: '/home/ig',
    bindings: { system: { 'user.home': '/home/ig' } },
  },
  {
    ref: 'Expressions: environment variable',
    expression: "${env['HOME']}",
    expected: '/home/ig',
    bindings: { env: { HOME: '/home/ig' } },
  },
  {
    ref: 'Expressions: string concatenation',
    expression: "${env['HOME']}/keystore.p12",
    expected: '/home/ig/keystore.p12',
    bindings: { env: { HOME: '/home/ig' } },
  },
  {
    ref: 'Expressions: and, or, empty',
    expression:
      "${find(request.uri.path, '/webapp/browsing') and (contains(request.uri.query, 'one') or empty(request.uri.query))}",
    expected: false,
    bindings: { request: request() },
  },
  {
    ref: 'Expressions: and, or, empty (match)',
    expression:
      "${find(request.uri.path, '/home') and (contains(request.uri.query, 'one') or empty(request.uri.query))}",
    expected: true,
    bindings: { request: request() },
  },
  {
    ref: 'Expressions: arithmetic on the port',
    expression: '${request.uri.port + 4}',
    expected: 8084,
    bindings: { request: request() },
  },
  {
    ref: 'Expressions: relational on a form field',
    expression: "#{request.entity.form['answer'][0] > 42}",
    expected: true,
    bindings: { request: new Request({ method: 'POST', entity: 'answer=43' }) },
  },
  {
    ref: 'Expressions: conditional',
    expression: "${request.uri.path.startsWith('/home') ? 'home' : 'not-home' }",
    expected: 'home',
    bindings: { request: request() },
  },
  {
    ref: 'Expressions: token consumed by integer()',
    expression: '${integer(200) == 200}',
    expected: true,
  },
  {
    ref: 'Operator syntax: dot',
    expression: '${request.method}',
    expected: 'POST',
    bindings: { request: request() },
  },
  {
    ref: 'Operator syntax: brackets',
    expression: "${request['method']}",
    expected: 'POST',
    bindings: { request: request() },
  },
  {
    ref: 'Operator syntax: reserved characters',
    expression: "${data['dash-separated-name']}",
    expected: 'dashed',
    bindings: { data },
  },
  // the dash is the minus operator: null - null - null, which EL evaluates to 0
  {
    ref: 'Operator syntax: dash is minus',
    expression: '${data.dash-separated-name}',
    expected: 0,
    bindings: { data },
  },
  {
    ref: 'Array syntax: first header value',
    expression: "${request.headers['Content-Type'][0]}",
    expected: 'text/plain',
    bindings: { request: request() },
  },
  {
    ref: 'Map syntax',
    expression: "${system['prop.name']}",
    expected: 'value',
    bindings: { system: { 'prop.name': 'value' } },
  },
  {
    ref: 'Map syntax: missing is null',
    expression: "${system['nope']}",
    expected: null,
    bindings: { system: {} },
  },
  { ref: 'Escape syntax', expression: '\\${true}', expected: '${true}' },
  { ref: 'Escape syntax: evaluated', expression: '${true}', expected: true },
  { ref: 'Escape syntax: deferred escaped', expression: '\\#{x}', expected: '#{x}' },
  { ref: 'Escape syntax: other backslashes stay', expression: 'a\\b${1}', expected: 'a\\b1' },
  {
    ref: 'L-value: session attribute',
    expression: '${session.gotoURL}',
    expected: 'http://x',
    bindings: { session: { gotoURL: 'http://x' } },
  },
  {
    ref: 'Dynamic bindings: now in seconds',
    expression: '${now.epochSeconds > 1700000000}',
    expected: true,
  },
  {
    ref: 'Dynamic bindings: 30 minutes later',
    expression: '${now.plusMinutes(30).epochSeconds - now.epochSeconds}',
    expected: 1800,
  },
  {
    ref: 'Dynamic bindings: RFC 1123 format',
    expression:
      "${matchesWithRegex(now.plusDays(1).rfc1123, '^[A-Z][a-z]{2}, \\\\d{2} [A-Z][a-z]{2} \\\\d{4} \\\\d{2}:\\\\d{2}:\\\\d{2} GMT$')}",
    expected: true,
  },
  {
    ref: 'Examples: bool of an env variable',
    expression: "${bool(env['ENABLE_TIMER'])}",
    expected: true,
    bindings: { env: { ENABLE_TIMER: 'true' } },
  },
  {
    ref: 'Examples: integer of a system property',
    expression: "${integer(system['requestsPerSecond'])}",
    expected: 6,
    bindings: { system: { requestsPerSecond: '6' } },
  },
  {
    ref: 'Examples: response header target',
    expression: "${response.headers['X-IG-FooBar']}",
    expected: null,
    bindings: { response: { headers: {} } },
  },
  {
    ref: 'Examples: deferred toString of JSON',
    expression: "#{toString(request.entity.json['userId'])}",
    expected: '42',
    bindings: { request: new Request({ entity: { userId: 42 } }) },
  },
  {
    ref: 'Examples: request entity string',
    expression: '#{request.entity.string}',
    expected: 'raw body',
    bindings: { request: new Request({ entity: 'raw body' }) },
  },
  {
    ref: 'Route conditions: host',
    expression: "${request.uri.host == 'www.example.com'}",
    expected: true,
    bindings: { request: request() },
  },
  {
    ref: 'Route conditions: header',
    expression: "${request.headers['X-Forwarded-Host'][0] == 'service.example.com'}",
    expected: true,
    bindings: { request: request() },
  },
  {
    ref: 'Route conditions: cookie',
    expression: "${request.cookies['my-jwt'][0].value}",
    expected: 'abc',
    bindings: { request: request() },
  },
  {
    ref: 'Route conditions: query',
    expression: "${find(request.uri.query, 'two=2')}",
    expected: true,
    bindings: { request: request() },
  },
  {
    ref: 'Route conditions: scheme',
    expression: "${request.uri.scheme == 'https'}",
    expected: false,
    bindings: { request: request() },
  },
  {
    ref: 'Route conditions: not',
    expression: "${request.uri.host == 'www.example.com' and not find(request.uri.path, '^/saml')}",
    expected: true,
    bindings: { request: request() },
  },
  {
    ref: 'Requests: query params as a form',
    expression: "${request.queryParams['one'][0]}",
    expected: '1',
    bindings: { request: request() },
  },
  {
    ref: 'Requests: multi-valued header',
    expression: "${request.headers['userid'][1]}",
    expected: 'second',
    bindings: { request: request() },
  },
  // Functions chapter
  { ref: 'Functions: array', expression: "${array('a', 'b', 'c')[2]}", expected: 'c' },
  { ref: 'Functions: bool', expression: "${bool('TRUE')}", expected: true },
  { ref: 'Functions: bool of null', expression: '${bool(null)}', expected: false },
  {
    ref: 'Functions: contains in a string',
    expression: "${contains('allyoucaneat', 'can')}",
    expected: true,
  },
  {
    ref: 'Functions: contains in a list',
    expression: "${contains(data.list, 'b')}",
    expected: true,
    bindings: { data },
  },
  { ref: 'Functions: decodeBase64url', expression: "${decodeBase64url('aGk_')}", expected: 'hi?' },
  {
    ref: 'Functions: decodeBase64url invalid',
    expression: "${decodeBase64url('a')}",
    expected: null,
  },
  { ref: 'Functions: encodeBase64url', expression: "${encodeBase64url('hi?')}", expected: 'aGk_' },
  {
    ref: 'Functions: digestSha256 length',
    expression: "${length(digestSha256('abc'))}",
    expected: 32,
  },
  { ref: 'Functions: find (no match)', expression: "${find('abc', '^b')}", expected: false },
  { ref: 'Functions: find of null', expression: "${find(null, 'x')}", expected: false },
  {
    ref: 'Functions: findGroups',
    expression: "${findGroups('user=bjensen;role=admin', 'user=(\\\\w+);role=(\\\\w+)')[2]}",
    expected: 'admin',
  },
  { ref: 'Functions: findGroups no match', expression: "${findGroups('x', 'y')}", expected: null },
  {
    ref: 'Functions: formDecodeParameterNameOrValue',
    expression: "${formDecodeParameterNameOrValue('a+b%26c')}",
    expected: 'a b&c',
  },
  {
    ref: 'Functions: formEncodeParameterNameOrValue',
    expression: "${formEncodeParameterNameOrValue('a b&c')}",
    expected: 'a+b%26c',
  },
  {
    ref: 'Functions: indexOf (reference example 1)',
    expression: "${indexOf('afooBar', 'Bar')}",
    expected: 4,
  },
  {
    ref: 'Functions: indexOf (reference example 2)',
    expression: "${indexOf('\u{10057}fooBar', 'Bar')}",
    expected: 5,
  },
  { ref: 'Functions: indexOf not found', expression: "${indexOf('abc', 'z')}", expected: -1 },
  { ref: 'Functions: integer', expression: "${integer('42')}", expected: 42 },
  { ref: 'Functions: integer invalid', expression: "${integer('4x2')}", expected: null },
  { ref: 'Functions: integerWithRadix (20, 8)', expression: "${integer('20', 8)}", expected: 16 },
  { ref: 'Functions: integerWithRadix (11, 16)', expression: "${integer('11', 16)}", expected: 17 },
  { ref: 'Functions: integerWithRadix invalid', expression: "${integer('9', 8)}", expected: null },
  {
    ref: 'Functions: ipMatch IPv4',
    expression: "${ipMatch('192.168.1.17', '192.168.1.0/24')}",
    expected: true,
  },
  {
    ref: 'Functions: ipMatch IPv4 outside',
    expression: "${ipMatch('192.168.2.17', '192.168.1.0/24')}",
    expected: false,
  },
  {
    ref: 'Functions: ipMatch IPv6',
    expression: "${ipMatch('2001:db8::1', '2001:db8::/32')}",
    expected: true,
  },
  {
    ref: 'Functions: ipMatch invalid',
    expression: "${ipMatch('nope', '10.0.0.0/8')}",
    expected: false,
  },
  {
    ref: 'Functions: join',
    expression: "${join(data.list, '-')}",
    expected: 'a-b-c',
    bindings: { data },
  },
  {
    ref: 'Functions: keyMatch',
    expression: "${keyMatch(data, '^dash.*')}",
    expected: 'dash-separated-name',
    bindings: { data },
  },
  { ref: 'Functions: length of a string (reference)', expression: "${length('a')}", expected: 1 },
  {
    ref: 'Functions: length of a 4-byte character (reference)',
    expression: "${length('\u{10057}')}",
    expected: 2,
  },
  { ref: 'Functions: length of null', expression: '${length(null)}', expected: 0 },
  {
    ref: 'Functions: length of a map',
    expression: '${length(data.nested)}',
    expected: 1,
    bindings: { data },
  },
  {
    ref: 'Functions: matchesWithRegex whole string',
    expression: "${matchesWithRegex('abc', 'b')}",
    expected: false,
  },
  {
    ref: 'Functions: matchesWithRegex',
    expression: "${matchesWithRegex('abc', 'a.c')}",
    expected: true,
  },
  {
    ref: 'Functions: matches (deprecated, find semantics)',
    expression: "${matches('abc', 'b')}",
    expected: true,
  },
  {
    ref: 'Functions: matchingGroups (deprecated)',
    expression: "${matchingGroups('abc', 'a(b)c')[1]}",
    expected: 'b',
  },
  { ref: 'Functions: split', expression: "${split('a,b,,c', ',')[3]}", expected: 'c' },
  {
    ref: 'Functions: split drops trailing empty strings',
    expression: "${length(split('a,b,,', ','))}",
    expected: 2,
  },
  {
    ref: 'Functions: toJson (reference)',
    expression: '${toJson(contexts.amSession.properties.userDetails).email}',
    expected: 'test@example.com',
    bindings: {
      contexts: { amSession: { properties: { userDetails: '{"email":"test@example.com"}' } } },
    },
  },
  { ref: 'Functions: toJson invalid', expression: "${toJson('{nope')}", expected: null },
  { ref: 'Functions: toLowerCase', expression: "${toLowerCase('HeLLo')}", expected: 'hello' },
  { ref: 'Functions: toUpperCase', expression: "${toUpperCase('ig')}", expected: 'IG' },
  { ref: 'Functions: toUpperCase of null', expression: '${toUpperCase(null)}', expected: null },
  { ref: 'Functions: toString', expression: '${toString(42)}', expected: '42' },
  { ref: 'Functions: trim', expression: "${trim('  x  ')}", expected: 'x' },
  {
    ref: 'Functions: urlDecodeFragment',
    expression: "${urlDecodeFragment('a%20b')}",
    expected: 'a b',
  },
  {
    ref: 'Functions: urlDecodePathElement',
    expression: "${urlDecodePathElement('a%2Fb')}",
    expected: 'a/b',
  },
  {
    ref: 'Functions: urlDecodeQueryParameterNameOrValue',
    expression: "${urlDecodeQueryParameterNameOrValue('a%26b')}",
    expected: 'a&b',
  },
  {
    ref: 'Functions: urlDecodeUserInfo',
    expression: "${urlDecodeUserInfo('bjensen%3Apw')}",
    expected: 'bjensen:pw',
  },
  {
    ref: 'Functions: urlEncodeFragment',
    expression: "${urlEncodeFragment('a b#c')}",
    expected: 'a%20b%23c',
  },
  {
    ref: 'Functions: urlEncodePathElement',
    expression: "${urlEncodePathElement('a/b c')}",
    expected: 'a%2Fb%20c',
  },
  {
    ref: 'Functions: urlEncodeQueryParameterNameOrValue',
    expression: "${urlEncodeQueryParameterNameOrValue('a&b=c d')}",
    expected: 'a%26b%3Dc%20d',
  },
  {
    ref: 'Functions: urlEncodeUserInfo',
    expression: "${urlEncodeUserInfo('bjensen@example.org')}",
    expected: 'bjensen%40example.org',
  },
  {
    ref: 'Functions: pemCertificate invalid',
    expression: "${pemCertificate('not a certificate')}",
    expected: null,
  },
  {
    ref: 'Functions: derCertificate invalid',
    expression: "${derCertificate(':AAAA:')}",
    expected: null,
  },
  // Patterns chapter: Java regular expressions
  {
    ref: 'Patterns: Java embedded flag',
    expression: "${matchesWithRegex('HELLO', '(?i)hello')}",
    expected: true,
  },
  {
    ref: 'Patterns: Java \\A and \\z anchors',
    expression: "${find('abc', '\\\\Aab')}",
    expected: true,
  },
  {
    ref: 'Patterns: POSIX class',
    expression: "${matchesWithRegex('abc', '\\\\p{Lower}+')}",
    expected: true,
  },
  {
    ref: 'Patterns: possessive quantifier',
    expression: "${matchesWithRegex('aaa', 'a++')}",
    expected: true,
  },
  { ref: 'Patterns: quoted literal', expression: "${find('a.b', '\\\\Q.\\\\E')}", expected: true },
  { ref: 'Patterns: invalid pattern is false', expression: "${find('abc', '[')}", expected: false },
  // Operators and coercion
  { ref: 'Operators: precedence', expression: '${1 + 2 * 3}', expected: 7 },
  { ref: 'Operators: parentheses', expression: '${(1 + 2) * 3}', expected: 9 },
  { ref: 'Operators: division is decimal', expression: '${7 / 2}', expected: 3.5 },
  { ref: 'Operators: div', expression: '${9 div 3}', expected: 3 },
  { ref: 'Operators: mod and %', expression: '${(7 mod 3) + (8 % 3)}', expected: 3 },
  { ref: 'Operators: unary minus', expression: '${-(2 - 5)}', expected: 3 },
  {
    ref: 'Operators: eq ne lt gt le ge',
    expression: '${1 eq 1 and 1 ne 2 and 1 lt 2 and 2 gt 1 and 2 le 2 and 2 ge 2}',
    expected: true,
  },
  { ref: 'Operators: && || !', expression: '${true && !false || false}', expected: true },
  {
    ref: 'Operators: empty of an empty list',
    expression: '${empty data.empty}',
    expected: true,
    bindings: { data },
  },
  {
    ref: 'Operators: not empty of a string',
    expression: '${not empty data.text}',
    expected: true,
    bindings: { data },
  },
  { ref: 'Operators: string to number coercion', expression: "${'4' + 2}", expected: 6 },
  { ref: 'Operators: string and number equality', expression: "${'42' == 42}", expected: true },
  { ref: 'Operators: null arithmetic is zero', expression: '${nothing + 1}', expected: 1 },
  { ref: 'Operators: failed coercion yields null', expression: "${'a' + 1}", expected: null },
  { ref: 'Operators: null comparison is false', expression: '${nothing < 1}', expected: false },
  { ref: 'Operators: string comparison', expression: "${'abc' < 'abd'}", expected: true },
  {
    ref: 'Operators: nested ternary',
    expression: "${1 > 2 ? 'a' : 2 > 1 ? 'b' : 'c'}",
    expected: 'b',
  },
  { ref: 'Access: nested map', expression: '${data.nested.n.v}', expected: 42, bindings: { data } },
  {
    ref: 'Access: index out of range',
    expression: '${data.list[9]}',
    expected: null,
    bindings: { data },
  },
  {
    ref: 'Access: index from an expression',
    expression: '${data.list[1 + 1]}',
    expected: 'c',
    bindings: { data },
  },
  { ref: 'Access: property of null', expression: '${nothing.at.all}', expected: null },
  {
    ref: 'Access: functions are not properties',
    expression: '${data.list.map}',
    expected: null,
    bindings: { data },
  },
  {
    ref: 'Access: no prototype access',
    expression: '${data.constructor}',
    expected: null,
    bindings: { data },
  },
  {
    ref: 'Methods: size() and get()',
    expression: '${data.list.size() + data.list.get(0)}',
    expected: null,
    bindings: { data },
  },
  { ref: 'Methods: size()', expression: '${data.list.size()}', expected: 3, bindings: { data } },
  { ref: 'Methods: get()', expression: '${data.list.get(1)}', expected: 'b', bindings: { data } },
  {
    ref: 'Methods: map get and containsKey',
    expression: "${data.nested.containsKey('n') and data.nested.get('n').v == 42}",
    expected: true,
    bindings: { data },
  },
  {
    ref: 'Methods: string methods',
    expression: "${data.text.toUpperCase().concat('!').substring(1)}",
    expected: 'ELLO!',
    bindings: { data },
  },
  {
    ref: 'Methods: equalsIgnoreCase and length()',
    expression: "${data.text.equalsIgnoreCase('hello') and data.text.length() == 5}",
    expected: true,
    bindings: { data },
  },
  {
    ref: 'Methods: replaceAll with Java groups',
    expression: "${'2024-11-24'.replaceAll('(\\\\d+)-(\\\\d+)-(\\\\d+)', '$3/$2/$1')}",
    expected: '24/11/2024',
  },
  { ref: 'Methods: split()', expression: "${'a b c'.split(' ')[2]}", expected: 'c' },
  {
    ref: 'Methods: unknown method is null',
    expression: '${data.text.noSuchMethod()}',
    expected: null,
    bindings: { data },
  },
  // Types the caller expects
  {
    ref: 'Coercion: boolean from a string',
    expression: "${'TRUE'}",
    expected: true,
    expectedType: 'boolean',
  },
  {
    ref: 'Coercion: integer from a string',
    expression: "${'12'}",
    expected: 12,
    expectedType: 'integer',
  },
  {
    ref: 'Coercion: not an integer',
    expression: 'twelve',
    expected: null,
    expectedType: 'integer',
  },
  {
    ref: 'Coercion: string of a number',
    expression: '${1 + 1}',
    expected: '2',
    expectedType: 'string',
  },
  { ref: 'Templates: mixed text', expression: 'v${1}-${"x"}-${nothing}.', expected: 'v1-x-.' },
  { ref: 'Templates: literal only', expression: 'just text', expected: 'just text' },
]
