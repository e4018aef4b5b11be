// pnpm bench: the gateway against a bare undici reverse proxy, side by side, on loopback.
//   (a) a route with baseURI + ReverseProxyHandler
//   (b) the same with a 3-filter chain (HeaderFilter, AssignmentFilter, HeaderFilter) behind a condition
//   (c) (a) + JwtValidationFilter checking an HS256-signed JWT on each request
//   (d) (a) + a JwtSessionManager session read, changed and written back on each request
//   (e) (a) on a second gateway whose admin.json enables OpenTelemetry tracing (server, route and
//       client spans of every request, batched to a loopback OTLP receiver)
// Interleaved rounds, bounded duration; prints requests/s, p50, p99 and the ratios to the bare proxy.
import { fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createHmac } from 'node:crypto'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=')
    return [k, v ?? 'true']
  }),
)
const ROUNDS = Number(args.rounds ?? 3)
const DURATION = Number(args.duration ?? 8)
const CONNECTIONS = Number(args.connections ?? 64)
const cli = new URL('../apps/gateway/dist/cli.js', import.meta.url).pathname
if (!existsSync(cli)) {
  console.error('apps/gateway/dist/cli.js is missing: run `pnpm build` first')
  process.exit(1)
}

const children = []
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')))

async function forked(script, argv = []) {
  const child = fork(new URL(script, import.meta.url).pathname, argv, { stdio: 'inherit' })
  children.push(child)
  const [message] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) =>
      Promise.reject(new Error(`${script} exited with ${code}`)),
    ),
  ])
  return message.port
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  server.close()
  return port
}

async function startGateway(backend, admin = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'postern-bench-'))
  const routes = join(dir, 'config', 'routes')
  mkdirSync(routes, { recursive: true })
  const port = await freePort()
  writeFileSync(
    join(dir, 'config', 'admin.json'),
    JSON.stringify({ connectors: [{ port, host: '127.0.0.1' }], ...admin }),
  )
  writeFileSync(
    join(routes, 'a.json'),
    JSON.stringify({
      name: 'a',
      baseURI: backend,
      condition: "${find(request.uri.path, '^/a')}",
      handler: 'ReverseProxyHandler',
    }),
  )
  writeFileSync(
    join(routes, 'b.json'),
    JSON.stringify({
      name: 'b',
      baseURI: backend,
      condition: "${find(request.uri.path, '^/b')}",
      handler: {
        type: 'Chain',
        config: {
          filters: [
            {
              type: 'HeaderFilter',
              config: {
                messageType: 'REQUEST',
                add: { 'X-Gateway': ['postern'], 'X-Method': ['${request.method}'] },
              },
            },
            {
              type: 'AssignmentFilter',
              config: {
                onRequest: [{ target: '${attributes.path}', value: '${request.uri.path}' }],
              },
            },
            {
              type: 'HeaderFilter',
              config: { messageType: 'RESPONSE', add: { 'X-Path': ['${attributes.path}'] } },
            },
          ],
          handler: 'ReverseProxyHandler',
        },
      },
    }),
  )
  writeFileSync(
    join(routes, 'c.json'),
    JSON.stringify({
      name: 'c',
      baseURI: backend,
      condition: "${find(request.uri.path, '^/c')}",
      heap: [
        {
          name: 'hmac',
          type: 'SecretKeyPropertyFormat',
          config: { format: 'BASE64', algorithm: 'HmacSHA256' },
        },
        {
          name: 'keys',
          type: 'SystemAndEnvSecretStore',
          config: { mappings: [{ secretId: 'jwt.key', format: 'hmac' }] },
        },
      ],
      handler: {
        type: 'Chain',
        config: {
          filters: [
            {
              type: 'JwtValidationFilter',
              config: {
                jwt: "${split(request.headers['Authorization'][0], ' ')[1]}",
                secretsProvider: 'keys',
                verificationSecretId: 'jwt.key',
              },
            },
          ],
          handler: 'ReverseProxyHandler',
        },
      },
    }),
  )
  writeFileSync(
    join(routes, 'd.json'),
    JSON.stringify({
      name: 'd',
      baseURI: backend,
      condition: "${find(request.uri.path, '^/d')}",
      session: { type: 'JwtSessionManager', config: { encryptionMethod: 'A256GCM' } },
      handler: {
        type: 'Chain',
        config: {
          filters: [
            {
              type: 'AssignmentFilter',
              config: {
                onRequest: [
                  {
                    target: '${session.count}',
                    value: '${empty session.count ? 1 : session.count + 1}',
                  },
                ],
              },
            },
          ],
          handler: 'ReverseProxyHandler',
        },
      },
    }),
  )
  const child = spawn(
    process.execPath,
    [...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : []), cli, dir],
    {
      env: {
        ...process.env,
        POSTERN_LOG_LEVEL: 'warn',
        IG_ROUTER_SCAN_INTERVAL: 'disabled',
        JWT_KEY: JWT_KEY.toString('base64'),
        HOME: dir,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  children.push(child)
  await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on(
      'line',
      (line) => line.startsWith('started in') && resolve(),
    )
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)))
  })
  return { port, child, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

const JWT_KEY = Buffer.alloc(32, 7)
/** An HS256 JWT valid for a day, made by hand so the bench needs no JOSE library. */
function signedJwt() {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'bench', iat: now, exp: now + 86400 })}`
  return `${body}.${createHmac('sha256', JWT_KEY).update(body).digest('base64url')}`
}

function load(target, duration) {
  const { url, headers } = typeof target === 'string' ? { url: target } : target
  return new Promise((resolve, reject) => {
    autocannon(
      { url, headers, connections: CONNECTIONS, duration, pipelining: 1 },
      (err, result) => (err ? reject(err) : resolve(result)),
    )
  })
}

const backendPort = await forked('./backend.mjs')
const backend = `http://127.0.0.1:${backendPort}`
const barePort = await forked('./bare-proxy.mjs', [backend])
const gateway = await startGateway(backend)
const otlpPort = await forked('./otlp-receiver.mjs')
const traced = await startGateway(backend, {
  openTelemetry: {
    tracing: {
      enabled: true,
      exporter: {
        config: { endpoint: `http://127.0.0.1:${otlpPort}/v1/traces` },
        batch: { scheduleDelay: '1 second', maxQueueSize: 8192, maxBatchSize: 1024 },
      },
    },
  },
})

// the session cookie the gateway sets on a first request to (d); every load request sends it
const first = await fetch(`http://127.0.0.1:${gateway.port}/d`)
await first.arrayBuffer()
const sessionCookie = first.headers.getSetCookie()[0]?.split(';')[0]
if (!sessionCookie) throw new Error('route (d) did not set a JWT session cookie')

const targets = {
  'bare undici proxy': `http://127.0.0.1:${barePort}/a`,
  '(a) gateway: baseURI + ReverseProxyHandler': `http://127.0.0.1:${gateway.port}/a`,
  '(b) gateway: + HeaderFilter, AssignmentFilter, HeaderFilter': `http://127.0.0.1:${gateway.port}/b`,
  '(c) gateway: + JwtValidationFilter (HS256)': {
    url: `http://127.0.0.1:${gateway.port}/c`,
    headers: { authorization: `Bearer ${signedJwt()}` },
  },
  '(d) gateway: + JwtSessionManager read and rewrite': {
    url: `http://127.0.0.1:${gateway.port}/d`,
    headers: { cookie: sessionCookie },
  },
  '(e) gateway with OpenTelemetry tracing: (a)': `http://127.0.0.1:${traced.port}/a`,
}
const results = Object.fromEntries(Object.keys(targets).map((k) => [k, []]))

// warm up every target (JIT, pools) before measuring
for (const url of Object.values(targets)) await load(url, 2)
for (let round = 1; round <= ROUNDS; round++) {
  // alternate the order every round, so that drift of the machine hits every target alike
  const order = Object.entries(targets)
  if (round % 2 === 0) order.reverse()
  for (const [name, url] of order) {
    const r = await load(url, DURATION)
    if (r.non2xx > 0 || r.errors > 0)
      console.warn(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`)
    results[name].push(r)
    console.log(
      `round ${round} ${name}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`,
    )
  }
}

// medians: one disturbed round does not move the result
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const summary = Object.entries(results).map(([name, rs]) => ({
  name,
  rps: median(rs.map((r) => r.requests.average)),
  p50: median(rs.map((r) => r.latency.p50)),
  p99: median(rs.map((r) => r.latency.p99)),
}))
const floor = summary[0]
console.log(
  `\n${ROUNDS} rounds x ${DURATION} s (order alternating, medians), ${CONNECTIONS} connections, node ${process.version}`,
)
console.log('| target | req/s | p50 ms | p99 ms | req/s ratio | p99 ratio |')
console.log('|---|---|---|---|---|---|')
for (const s of summary) {
  console.log(
    `| ${s.name} | ${Math.round(s.rps)} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${(s.rps / floor.rps).toFixed(2)} | ${(s.p99 / floor.p99).toFixed(2)} |`,
  )
}
gateway.cleanup()
traced.cleanup()
if (args.profile) {
  const gw = gateway.child
  gw.kill('SIGTERM')
  await once(gw, 'exit')
  console.log(`CPU profile of the gateway written to ${args.profile}`)
}
process.exit(0)
