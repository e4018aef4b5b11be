import { spawn, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { until } from '@postern/testing'

/** rsyslogd from Debian's rsyslog package (.ci/apt-packages installs it). */
export const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p))

/** A message as rsyslog parsed it. */
export interface Received {
  facility: string
  severity: string
  appName: string
  procId: string
  msgId: string
  timestamp: string
  hostname: string
  structuredData: string
  /** The SD-PARAMs of the first SD-ELEMENT, unescaped. */
  params: Record<string, string>
  sdId: string
}

export interface Rsyslog {
  tcpPort: number
  udpPort: number
  /** What rsyslog wrote to its file so far, parsed. */
  received(): Received[]
  /** Waits until `count` messages are in the file (5 s at most), then returns them. */
  waitFor(count: number, deadlineMs?: number): Promise<Received[]>
  stop(): Promise<void>
}

/** A free TCP port on 127.0.0.1 (the UDP one is taken the same way). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  const { port } = socket.address()
  await new Promise<void>((r) => socket.close(() => r()))
  return port
}

const FIELDS = '%syslogfacility-text%|%syslogseverity-text%|%app-name%|%procid%|%msgid%'
const TEMPLATE = `${FIELDS}|%timereported:::date-rfc3339%|%hostname%|%structured-data%\\n`

function parseParams(sd: string): { sdId: string; params: Record<string, string> } {
  const match = /^\[([^ \]]+)((?: [^=]+="(?:[^"\\]|\\.)*")*)\]/.exec(sd)
  if (!match) return { sdId: '', params: {} }
  const params: Record<string, string> = {}
  for (const [, name, value] of match[2]!.matchAll(/ ([^=]+)="((?:[^"\\]|\\.)*)"/g))
    params[name!] = value!.replace(/\\(["\\\]])/g, '$1')
  return { sdId: match[1]!, params }
}

function parse(line: string): Received {
  const [facility, severity, appName, procId, msgId, timestamp, hostname, ...sd] = line.split('|')
  const structuredData = sd.join('|')
  return {
    facility: facility!,
    severity: severity!,
    appName: appName!,
    procId: procId!,
    msgId: msgId!,
    timestamp: timestamp!,
    hostname: hostname!,
    structuredData,
    ...parseParams(structuredData),
  }
}

/**
 * Starts a real rsyslogd in the foreground, listening on 127.0.0.1 for UDP and TCP syslog, writing
 * each message's parsed parts to a file. Stopped when the test ends.
 */
export async function startRsyslog(ports: { tcpPort?: number } = {}): Promise<Rsyslog> {
  if (!RSYSLOGD) throw new Error('rsyslogd is not installed (apt-get install rsyslog)')
  const dir = mkdtempSync(join(tmpdir(), 'postern-rsyslog-'))
  const tcpPort = ports.tcpPort ?? (await freePort())
  const udpPort = await freeUdpPort()
  const out = join(dir, 'messages.log')
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    [
      `global(workDirectory="${dir}")`,
      'module(load="imudp")',
      'module(load="imtcp")',
      `input(type="imudp" port="${udpPort}" address="127.0.0.1")`,
      `input(type="imtcp" port="${tcpPort}" address="127.0.0.1")`,
      `template(name="parts" type="string" string="${TEMPLATE}")`,
      `*.* action(type="omfile" file="${out}" template="parts")`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(
    RSYSLOGD,
    ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const output: string[] = []
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  // ready when the TCP input accepts connections
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(tcpPort, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
  const state = await until(
    async () => (child.exitCode !== null ? 'exited' : (await accepts()) && 'up'),
    { message: 'rsyslogd to accept connections', intervalMs: 50 },
  ).catch((err: Error) => err.message)
  if (state !== 'up') throw new Error(`rsyslogd did not start (${state}): ${output.join('')}`)
  const received = () =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => parse(line))
      : []
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    child.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    onTestFinished(stop)
  } catch {
    // outside a test: the caller stops it
  }
  return {
    tcpPort,
    udpPort,
    received,
    waitFor(count, deadlineMs) {
      return until(
        () => {
          const messages = received()
          return messages.length >= count && messages
        },
        { ...(deadlineMs ? { timeoutMs: deadlineMs } : {}), message: `${count} syslog messages` },
      )
    },
    stop,
  }
}
