import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { makeTempDirectory } from '../../helpers/temp-directory.js'

/** A redis-server of the test's own on a loopback port, with nothing saved to disk. */
export interface RedisTestServer {
  readonly url: string
  readonly port: number
  /** Kill it (SIGKILL): the state is gone, as after a crash. */
  kill(): Promise<void>
  /** Start it again on the same port, empty. */
  restart(): Promise<void>
  stop(): Promise<void>
}

/** A free loopback port: bound at port 0 and let go. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export async function startRedisTestServer(executable: string): Promise<RedisTestServer> {
  const directory = makeTempDirectory('redis')
  const port = await freePort()
  let child: ChildProcess | undefined
  const launch = async (): Promise<void> => {
    const started = spawn(executable, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory.path], { stdio: 'ignore' })
    child = started
    await waitForPort(port, started)
  }
  const kill = async (): Promise<void> => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
    running.kill('SIGKILL')
    await exited
  }
  await launch()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill()
      directory.remove()
    },
  }
}

/** Until the port accepts a connection (at most 10 s). */
async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server did not listen on ${port} within 10 s`)
}
