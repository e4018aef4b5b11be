/** `audit-schemas/mytopic.json` of the tests: a custom topic as the reference declares one. */
export const myTopicSchema = {
  schema: {
    $schema: 'http://json-schema.org/draft-04/schema#',
    id: '/',
    type: 'object',
    properties: {
      _id: { type: 'string' },
      timestamp: { type: 'string' },
      transactionId: { type: 'string' },
      eventName: { type: 'string' },
      customField: { type: 'string' },
    },
    required: ['_id', 'timestamp', 'transactionId', 'eventName'],
  },
}

/** Two routes the audit tests send requests to: `/app...` proxied to `backend`, `/fail` a 503. */
export const appAndFailRoutes = (backend: string) => ({
  'app.json': {
    name: 'app',
    condition: "${find(request.uri.path, '^/app')}",
    baseURI: backend,
    handler: 'ReverseProxyHandler',
  },
  'fail.json': {
    name: 'fail',
    condition: "${request.uri.path == '/fail'}",
    handler: { type: 'StaticResponseHandler', config: { status: 503 } },
  },
})
