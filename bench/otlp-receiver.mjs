// An OTLP/HTTP collector stand-in for the tracing scenario: reads each export, counts the spans'
// bytes, answers 200.
import { createServer } from 'node:http'

let exports = 0
const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    exports++
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
})
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }))
process.on('SIGTERM', () => {
  console.error(`otlp receiver: ${exports} exports`)
  process.exit(0)
})
