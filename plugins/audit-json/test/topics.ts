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
