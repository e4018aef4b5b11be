// The floor: a bare reverse proxy, node:http server + undici Pool, streaming both ways.
import { createServer } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { Pool } from 'undici'

const upstream = process.argv[2]
const pool = new Pool(upstream, { connections: 64, keepAliveTimeout: 60_000 })
const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'proxy-connection',
  'trailer',
  'host',
])

const server = createServer(async (req, res) => {
  const headers = {}
  for (const [name, value] of Object.entries(req.headers)) if (!HOP.has(name)) headers[name] = value
  try {
    const {
      statusCode,
      headers: upstreamHeaders,
      body,
    } = await pool.request({
      path: req.url,
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
    })
    for (const name of Object.keys(upstreamHeaders)) if (HOP.has(name)) delete upstreamHeaders[name]
    res.writeHead(statusCode, upstreamHeaders)
    await pipeline(body, res)
  } catch {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  }
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }))
