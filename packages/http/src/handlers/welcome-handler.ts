import { heaplet, Response, Type, type Handler } from '@postern/core'

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Postern</title></head>
<body>
<h1>Welcome to Postern</h1>
<p>The gateway is running. Add routes to <code>config/routes/</code> in the instance directory; they are picked up within one scan interval.</p>
</body>
</html>
`

/** WelcomeHandler: the welcome page of the default configuration, for GET /. */
export const welcomeHandler = heaplet({
  schema: Type.Object({}),
  description: 'Serves the welcome page (default configuration).',
  create: (): Handler => ({
    handle: async () =>
      new Response({
        status: 200,
        headers: { 'Content-Type': 'text/html; charset=UTF-8' },
        entity: PAGE,
      }),
  }),
})
