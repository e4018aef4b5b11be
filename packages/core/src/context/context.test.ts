import { describe, expect, test } from 'vitest'
import { requestBindings, staticBindings } from '../bindings.js'
import { EL_GET } from '../expressions/protocol.js'
import { Request } from '../messages/request.js'
import { MutableUri } from '../messages/uri.js'
import { ClientContext } from './client-context.js'
import { AttributesContext, NamedContext, RootContext } from './context.js'
import { SessionContext, TransientSession } from './session-context.js'
import { TransactionId, TransactionIdContext } from './transaction-id-context.js'
import { UriRouterContext } from './uri-router-context.js'

function chain() {
  const root = new RootContext()
  const client = new ClientContext(root, {
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    localAddress: '127.0.0.1',
    localPort: 8080,
    isSecure: false,
    userAgent: 'curl/8',
  })
  const tx = new TransactionIdContext(client, new TransactionId('tx-1'))
  const attributes = new AttributesContext(tx)
  const session = new SessionContext(attributes, new TransientSession())
  return { root, client, tx, attributes, session }
}

describe('contexts', () => {
  test('find the nearest context by name or class', () => {
    const { root, client, session, attributes } = chain()
    expect(session.get('client')).toBe(client)
    expect(session.as(AttributesContext)).toBe(attributes)
    expect(session.get('nothing')).toBeNull()
    expect(root.isRootContext).toBe(true)
    expect(session.isRootContext).toBe(false)
    expect(() => root.asRequired(SessionContext)).toThrow('no SessionContext in the context chain')
  })

  test('expose the nearest context of each name to expressions', () => {
    const { session } = chain()
    const first = new NamedContext(session, 'jwtBuilder')
    const second = new NamedContext(first, 'jwtBuilder')
    expect(second.contexts[EL_GET]('jwtBuilder')).toBe(second)
    expect(second.contexts[EL_GET]('client')).toBeInstanceOf(ClientContext)
    expect(second.contexts[EL_GET]('none')).toBeUndefined()
    expect(Object.keys(second.contexts.toJSON())).toEqual([
      'jwtBuilder',
      'session',
      'attributes',
      'transactionId',
      'client',
      'root',
    ])
  })

  test('context IDs are unique and stable', () => {
    const { root, client } = chain()
    expect(root.id).toBe(root.id)
    expect(root.id).not.toBe(client.id)
  })

  test('client context fields default as the reference says', () => {
    const { client } = chain()
    expect(client.certificates).toEqual([])
    expect(client.remoteUser).toBeNull()
    expect(client.isExternal).toBe(true)
    expect(client.userAgent).toBe('curl/8')
  })

  test('sub-transaction IDs count up', () => {
    const tx = new TransactionId('abc')
    expect(tx.createSubTransactionId().value).toBe('abc/0')
    expect(tx.createSubTransactionId().value).toBe('abc/1')
    expect(new TransactionId().value).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('the router context keeps the original URI read-only', () => {
    const original = MutableUri.parse('http://h/a/b')
    const router = new UriRouterContext(new RootContext(), {
      baseUri: '/a',
      matchedUri: '/a',
      remainingUri: '/b',
      originalUri: original,
    })
    router.originalUri.path = '/changed'
    expect(router.originalUri.toString()).toBe('http://h/a/b')
  })
})

describe('bindings', () => {
  test('request bindings see request, contexts, attributes, session and the static bindings', () => {
    const { session } = chain()
    const base = staticBindings({
      env: { HOME: '/home/ig' },
      system: { 'user.home': '/home/ig' },
      properties: { appLocation: 'http://app' },
    })
    const request = new Request({ uri: 'http://h/x' })
    const b = requestBindings(base, session, request)
    expect(b.request).toBe(request)
    expect(b.attributes).toBe(session.as(AttributesContext)!.attributes)
    expect(b.session).toBe(session.session)
    expect(b.appLocation).toBe('http://app')
    expect((b.env as Record<string, string>).HOME).toBe('/home/ig')
    expect(b.response).toBeUndefined()
    expect('appLocation' in b).toBe(true)
  })
})
