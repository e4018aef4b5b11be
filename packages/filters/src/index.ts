import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { allowOnlyFilter } from './allow-only-filter.js'
import { assignmentFilter } from './assignment-filter.js'
import { conditionalFilter, conditionEnforcementFilter, switchFilter } from './condition-filters.js'
import { certificateThumbprintFilter } from './certificate-thumbprint-filter.js'
import { circuitBreakerFilter } from './circuit-breaker-filter.js'
import { cookieFilter } from './cookie-filter.js'
import { dataPreservationFilter } from './data-preservation-filter.js'
import { fragmentFilter } from './fragment-filter.js'
import { httpBasicAuthenticationClientFilter } from './http-basic-authentication-client-filter.js'
import { passwordReplayFilter } from './password-replay-filter.js'
import { corsFilter } from './cors-filter.js'
import { csrfFilter } from './csrf-filter.js'
import { dateHeaderFilter, fapiInteractionIdFilter } from './header-value-filters.js'
import { entityExtractFilter } from './entity-extract-filter.js'
import { fileAttributesFilter } from './file-attributes-filter.js'
import { forwardedRequestFilter } from './forwarded-request-filter.js'
import { headerFilter } from './header-filter.js'
import { httpBasicAuthFilter } from './http-basic-auth-filter.js'
import { locationHeaderFilter } from './location-header-filter.js'
import { setCookieUpdateFilter } from './set-cookie-update-filter.js'
import { staticRequestFilter } from './static-request-filter.js'
import { defaultRateThrottlingPolicy, mappedThrottlingPolicy } from './throttling/policies.js'
import { throttlingFilter } from './throttling/throttling-filter.js'
import { uriPathRewriteFilter } from './uri-path-rewrite-filter.js'

/** The standard filters that need no identity server, by IG type name. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  types: {
    AllowOnlyFilter: allowOnlyFilter,
    AssignmentFilter: assignmentFilter,
    CertificateThumbprintFilter: certificateThumbprintFilter,
    CircuitBreakerFilter: circuitBreakerFilter,
    ConditionalFilter: conditionalFilter,
    ConditionEnforcementFilter: conditionEnforcementFilter,
    CookieFilter: cookieFilter,
    CorsFilter: corsFilter,
    CsrfFilter: csrfFilter,
    DataPreservationFilter: dataPreservationFilter,
    DateHeaderFilter: dateHeaderFilter,
    DefaultRateThrottlingPolicy: defaultRateThrottlingPolicy,
    EntityExtractFilter: entityExtractFilter,
    FapiInteractionIdFilter: fapiInteractionIdFilter,
    FileAttributesFilter: fileAttributesFilter,
    ForwardedRequestFilter: forwardedRequestFilter,
    FragmentFilter: fragmentFilter,
    HeaderFilter: headerFilter,
    HttpBasicAuthenticationClientFilter: httpBasicAuthenticationClientFilter,
    HttpBasicAuthFilter: httpBasicAuthFilter,
    LocationHeaderFilter: locationHeaderFilter,
    MappedThrottlingPolicy: mappedThrottlingPolicy,
    PasswordReplayFilter: passwordReplayFilter,
    RedirectFilter: locationHeaderFilter,
    SetCookieUpdateFilter: setCookieUpdateFilter,
    StaticRequestFilter: staticRequestFilter,
    SwitchFilter: switchFilter,
    ThrottlingFilter: throttlingFilter,
    UriPathRewriteFilter: uriPathRewriteFilter,
  },
})
export default plugin

export { AssignmentFilter } from './assignment-filter.js'
export { CertificateThumbprintContext } from './certificate-thumbprint-filter.js'
export { requestFactory } from './static-request-filter.js'
export { HeaderFilter } from './header-filter.js'
export { MemoryThrottlingStore } from './throttling/store.js'
export type { TakeResult, ThrottlingStore } from './throttling/store.js'
export type { ThrottlingPolicy } from './throttling/policies.js'
export { toRate, ThrottlingRateError } from './throttling/rate.js'
export type { ThrottlingRate } from './throttling/rate.js'
export { FileAttributesContext, parseDelimited } from './file-attributes-filter.js'
