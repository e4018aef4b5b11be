import {
  heaplet,
  Response,
  Type,
  UriRouterContext,
  type Context,
  type Filter,
  type Request,
} from '@postern/core'
import {
  CookieConfig,
  escapeHtml,
  setCookie,
  signValue,
  verifyValue,
} from './util/signed-cookie.js'

interface Pending {
  state: 'pending'
  /** The original request URI. */
  uri: string
  /** Where the login redirect was going. */
  location: string
}
interface Captured {
  state: 'captured'
  uri: string
  fragment: string
}

function pathOf(endpoint: string): string {
  try {
    return new URL(endpoint).pathname
  } catch {
    return endpoint.startsWith('/') ? endpoint : `/${endpoint}`
  }
}

/** The URI the client asked for (before baseURI and rewrites). */
const originalUri = (context: Context, request: Request) =>
  context.as(UriRouterContext)?.originalUri ?? request.uri

const localTarget = (context: Context, request: Request) => {
  const uri = originalUri(context, request)
  return `${uri.rawPath || '/'}${uri.rawQuery ? `?${uri.rawQuery}` : ''}`
}

/**
 * FragmentFilter: when a request gets a login redirect, answers instead with a page whose script
 * reads the URI fragment (which browsers never send) and posts it to `fragmentCaptureEndpoint`;
 * the endpoint keeps it in a signed cookie and follows the login redirect. When the browser comes
 * back to the original URI after authentication, it is redirected to it with its fragment.
 */
export const fragmentFilter = heaplet({
  schema: Type.Object(
    {
      fragmentCaptureEndpoint: Type.String({
        minLength: 1,
        description: 'The gateway endpoint that receives the fragment (matched by the route).',
      }),
      noJavaScriptMessage: Type.Optional(
        Type.String({ description: 'Shown when the browser runs no JavaScript.' }),
      ),
      cookie: CookieConfig('ig-fragment-cookie'),
    },
    { additionalProperties: false },
  ),
  description: 'Keeps the URI fragment across a login redirect.',
  create: (config, env): Filter => {
    const endpoint = pathOf(config.fragmentCaptureEndpoint)
    const cookie = config.cookie
    const page = () => {
      const message = config.noJavaScriptMessage
        ? `<noscript><p>${escapeHtml(config.noJavaScriptMessage)}</p><input type="submit" value="Continue"/></noscript>`
        : '<noscript><input type="submit" value="Continue"/></noscript>'
      return `<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Redirecting</title></head>
<body onload="capture()">
<form id="fragment-form" method="POST" action="${escapeHtml(config.fragmentCaptureEndpoint)}">
<input type="hidden" name="fragment" id="fragment" value=""/>
${message}
</form>
<script>function capture(){var h=window.location.hash;document.getElementById('fragment').value=h?h.substring(1):'';document.getElementById('fragment-form').submit()}</script>
</body></html>`
    }
    return {
      async filter(context, request, next) {
        const state = verifyValue(request.cookies.value(cookie.name)) as
          Pending | Captured | undefined
        // the capture endpoint: keep the fragment, follow the login redirect
        if (originalUri(context, request).path === endpoint && request.method === 'POST') {
          if (state?.state !== 'pending') {
            env.logger.debug({}, 'fragment posted without a capture in progress')
            return Response.of(400)
          }
          const fragment = (await request.entity.form()).getFirst('fragment') ?? ''
          const response = Response.of(302)
          response.headers.set('Location', state.location)
          response.headers.set(
            'Set-Cookie',
            fragment === ''
              ? setCookie(cookie, undefined)
              : setCookie(cookie, signValue({ state: 'captured', uri: state.uri, fragment })),
          )
          return response
        }
        // back from authentication: to the original URI with its fragment
        if (state?.state === 'captured' && request.method === 'GET') {
          const original = new URL(state.uri)
          if (`${original.pathname}${original.search}` === localTarget(context, request)) {
            const response = Response.of(302)
            response.headers.set('Location', `${state.uri}#${state.fragment}`)
            response.headers.set('Set-Cookie', setCookie(cookie, undefined))
            return response
          }
        }
        const response = await next.handle(context, request)
        const location = response.headers.get('location')
        const redirect = response.status.code >= 300 && response.status.code < 400 && location
        // one capture at a time: while one is in progress, redirects pass unchanged
        if (!redirect || request.method !== 'GET' || state !== undefined) return response
        await response.entity.discard()
        const capture = new Response({ status: 200, entity: page() })
        capture.headers.set('Content-Type', 'text/html; charset=UTF-8')
        capture.headers.set('Cache-Control', 'no-store')
        for (const header of response.headers.getAll('set-cookie'))
          capture.headers.append('Set-Cookie', header)
        capture.headers.append(
          'Set-Cookie',
          setCookie(
            cookie,
            signValue({
              state: 'pending',
              uri: originalUri(context, request).toString(),
              location,
            }),
          ),
        )
        return capture
      },
    }
  },
})
