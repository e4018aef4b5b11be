import {
  Kinds,
  AttributesContext,
  Expr,
  heaplet,
  Pattern,
  Ref,
  requestBindings,
  Response,
  Type,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'
import { requestFactory, StaticRequestFilterConfig } from './static-request-filter.js'

/**
 * PasswordReplayFilter: when the request is for the login page (`loginPage`), or the response is
 * one (`loginPageContentMarker` found in it), replays the credentials with the `request` it
 * describes (a StaticRequestFilter's config) to the rest of the chain. `credentials` (a filter
 * such as FileAttributesFilter) runs first to make them available; `loginPageExtractions` put
 * values of the login page in `${attributes.extracted.<name>}`. Failed logins are not retried.
 */
export const passwordReplayFilter = heaplet({
  schema: Type.Object(
    {
      request: StaticRequestFilterConfig,
      loginPage: Type.Optional(Expr(Type.Boolean(), { description: 'True for the login page.' })),
      loginPageContentMarker: Type.Optional(
        Type.String({ description: 'A pattern that matches a login page entity.' }),
      ),
      credentials: Type.Optional(Ref(Kinds.Filter, { description: 'Injects credentials.' })),
      loginPageExtractions: Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            pattern: Type.String({ minLength: 1, description: 'One capturing group.' }),
          },
          { additionalProperties: false },
        ),
        { default: [] },
      ),
      // the parts of IG's PasswordReplayFilter that need PingAM
      headerDecryption: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
  description: 'Replays credentials to a login page.',
  create: (config, env): Filter => {
    if (config.loginPage === undefined && config.loginPageContentMarker === undefined)
      throw env.configError('', 'loginPage or loginPageContentMarker is required')
    if (config.headerDecryption !== undefined)
      throw env.configError(
        '/headerDecryption',
        'needs PingAM (password capture): not supported by this filter without the am plugin',
      )
    const compile = (pattern: string, pointer: string) => {
      try {
        return Pattern.compile(pattern)
      } catch (err) {
        throw env.configError(pointer, `not a valid pattern: ${(err as Error).message}`)
      }
    }
    const marker = config.loginPageContentMarker
      ? compile(config.loginPageContentMarker, '/loginPageContentMarker')
      : undefined
    const extractions = config.loginPageExtractions.map(({ name, pattern }, i) => ({
      name,
      pattern: compile(pattern, `/loginPageExtractions/${i}/pattern`),
    }))
    if (extractions.some((e) => e.name === 'isLoginPage'))
      throw env.configError('/loginPageExtractions', 'the name isLoginPage is reserved')
    const build = requestFactory(config.request, env)
    const loginPage = config.loginPage

    /** Extracts values of a login page into attributes.extracted. */
    function extract(context: Context, entity: string, isLoginPage: boolean): void {
      const attributes = context.as(AttributesContext)?.attributes
      if (!attributes) return
      const extracted: Record<string, unknown> = { isLoginPage }
      for (const { name, pattern } of extractions) {
        const match = pattern.find(entity)
        if (match) extracted[name] = match[1] ?? match[0]
      }
      attributes.extracted = extracted
    }

    async function replay(context: Context, request: Request, next: Handler): Promise<Response> {
      const credentials = config.credentials
      const send: Handler = {
        handle: async (c, r) => {
          const created = await build(requestBindings(env.bindings, c, r), r)
          if (!created) return Response.of(500)
          await r.entity.discard()
          return next.handle(c, created)
        },
      }
      return credentials
        ? credentials.filter(context, request, send)
        : send.handle(context, request)
    }

    return {
      async filter(context, request, next) {
        if (loginPage) {
          const scope = requestBindings(env.bindings, context, request)
          const isLoginPage =
            (loginPage.readsEntity ? await loginPage.evaluate(scope) : loginPage.eval(scope)) ===
            true
          if (!isLoginPage) return next.handle(context, request)
          if (extractions.length > 0) {
            // the login page is fetched first for the values the replay needs
            if (!request.entity.isEmpty && !request.entity.isBuffered) await request.entity.buffer()
            const page = await next.handle(context, request)
            extract(context, await page.entity.text().catch(() => ''), true)
            await page.entity.discard()
          }
          return replay(context, request, next)
        }
        // loginPageContentMarker: the application says when it shows its login page
        if (!request.entity.isEmpty && !request.entity.isBuffered) await request.entity.buffer()
        const response = await next.handle(context, request)
        const type = response.headers.get('content-type') ?? ''
        if (response.entity.isEmpty || (type !== '' && !/text|html|xml|json/i.test(type)))
          return response
        // buffered: the response can still be returned as it came when it is not the login page
        await response.entity.buffer()
        const text = await response.entity.text()
        if (!marker!.find(text)) return response
        extract(context, text, true)
        return replay(context, request, next)
      },
    }
  },
})
