import {
  Kinds,
  heaplet,
  Ref,
  SecretsProviderChain,
  Type,
  type SecretsProvider,
  type Static,
} from '@postern/core'

const SecretsProviderConfig = Type.Object(
  {
    stores: Type.Array(Ref(Kinds.SecretsProvider), {
      minItems: 1,
      description: 'Secret stores, queried in the order they are declared.',
    }),
  },
  { additionalProperties: false },
)
type SecretsProviderConfig = Static<typeof SecretsProviderConfig>

/** Queries secret stores in order (SecretsProvider); valid secrets are gathered from every store. */
export const secretsProvider = heaplet({
  description: 'Ordered list of secret stores queried for a secret ID.',
  schema: SecretsProviderConfig,
  create: (config: SecretsProviderConfig) => new SecretsProviderChain(config.stores),
})
