import { isIP } from 'node:net'

// Sites and secure contexts as Chrome computes them, without the Public Suffix List: every
// top-level label is a public suffix (the list's default `*` rule), which is right for the
// names tests use (`localhost`, `*.localhost`, `*.test`, `*.example`).

/** The host name without IPv6 brackets, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()
}

/** Whether `host` is an IPv4 or IPv6 address rather than a name. */
export function isAddress(host: string): boolean {
  return isIP(host) !== 0
}

/** Whether the name is a public suffix: a single label such as `localhost` or `com`. */
export function isPublicSuffix(domain: string): boolean {
  return !isAddress(domain) && !domain.includes('.')
}

/**
 * The registrable domain: the last two labels (`example.localhost` for `a.example.localhost`), a
 * single-label host itself, an address itself.
 */
export function registrableDomain(host: string): string {
  if (isAddress(host)) return host
  return host.split('.').slice(-2).join('.')
}

/**
 * The site, schemeful as in Chrome: `http://example.localhost`. Each `x.localhost` is a site of
 * its own, so app.localhost and idp.localhost are cross-site.
 */
export function siteOf(url: URL): string {
  return `${url.protocol}//${registrableDomain(hostOf(url))}`
}

/**
 * Whether the origin is potentially trustworthy (W3C Secure Contexts): https, loopback addresses,
 * `localhost` and `*.localhost`. Chrome sets and sends Secure cookies over http on these.
 */
export function isSecureContext(url: URL): boolean {
  if (url.protocol === 'https:' || url.protocol === 'wss:') return true
  const host = hostOf(url)
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === '::1'
  )
}

/** Whether the Agent resolves this host to 127.0.0.1 itself. */
export function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost')
}
