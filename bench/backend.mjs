// The application behind the proxies: a small fixed body, keep-alive.
import { createServer } from 'node:http'

const body = Buffer.from('{"hello":"world","from":"backend"}')
const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
    res.end(body)
  })
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }))
