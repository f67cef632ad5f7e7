// Key holders as production runs them: each one `datavault keyholder`, a process of its own, so
// their work (checking tickets, opening and sealing shares) runs beside the node's, not on its
// event loop.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Address } from 'viem'
import { loadNodeIdentity } from '@datavault/vault'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname

/** Key holder processes: known by address first (the node is configured with them), started once the chain is up. */
export type KeyHolderProcesses = {
  /** The holders' wallets, in order. */
  addresses: Address[]
  /**
   * Funds each holder's wallet (it pays gas to register itself on the KeyHolderRegistry), spawns
   * them all, and resolves once each has registered and printed its ready line.
   */
  start(chain: { rpcUrl: string; chainId: number; addressesFile: string; fund(address: Address): Promise<void> }): Promise<{ url: string; address: Address }[]>
  /** CPU time the holder processes have used so far, in ms (all of them together); undefined where /proc cannot tell. */
  cpuMs(): Promise<number | undefined>
  /** SIGTERM to each (SIGKILL after 10 s); safe to call more than once, and before `start`. */
  stop(): Promise<void>
}

/** Clock ticks a second, the unit of /proc/<pid>/stat's CPU times. */
const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime of a running process, in ms (Linux only). */
async function processCpuMs(pid: number) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may itself hold spaces: state is
  // field 3, utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks
}

/**
 * Prepares `count` key holders under `dir` (`holder-1`, `holder-2`…): creates each one's keys now,
 * so its address is known before the node starts; `start` runs them. Each logs to
 * `dir/holder-N.log`. They are killed when this process exits, should `stop` not be reached.
 */
export async function keyHolderProcesses({
  dir,
  count,
  cpuProfileDir,
}: {
  dir: string
  count: number
  /** Each holder writes a V8 CPU profile here when it stops (`node --cpu-prof`), to see where a holder's time goes. */
  cpuProfileDir?: string | undefined
}): Promise<KeyHolderProcesses> {
  const dirs = Array.from({ length: count }, (_, index) => join(dir, `holder-${index + 1}`))
  const addresses = await Promise.all(dirs.map(async (holderDir) => (await loadNodeIdentity(join(holderDir, 'keys', 'holder.json'))).account.address))
  const children: ChildProcess[] = []
  const killAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  process.once('exit', killAll)

  const spawnHolder = async (holderDir: string, index: number, chain: { rpcUrl: string; chainId: number; addressesFile: string }) => {
    const logFile = `${holderDir}.log`
    const log = await open(logFile, 'w', 0o600)
    const child = spawn(
      process.execPath,
      [...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []), launcher, 'keyholder', '--data-dir', holderDir, '--port', '0', '--json', '--rpc-url', chain.rpcUrl, '--chain-id', String(chain.chainId), '--addresses-file', chain.addressesFile],
      // HOME in the bench's dir: no operator config of this machine is read.
      { stdio: ['ignore', 'pipe', log.fd], env: { PATH: process.env.PATH ?? '', HOME: dir } },
    )
    children.push(child)
    await log.close()
    const failed = async (why: string) => new Error(`key holder ${index + 1} ${why}:\n${(await readFile(logFile, 'utf8').catch(() => '')).slice(-2000)}`)
    return await new Promise<{ url: string; address: Address }>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => void failed('printed no ready line in 240 s').then(reject), 240_000)
      child.stdout?.setEncoding('utf8').on('data', (text: string) => {
        out += text
        for (const line of out.split('\n').slice(0, -1)) {
          const ready = (() => {
            try {
              return JSON.parse(line) as { url?: string; address?: Address; ready?: boolean }
            } catch {
              return undefined
            }
          })()
          if (ready?.ready && ready.url && ready.address) {
            clearTimeout(timer)
            child.off('exit', exitedEarly)
            resolve({ url: ready.url, address: ready.address })
          }
        }
      })
      const exitedEarly = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer)
        void failed(`exited (${signal ?? code})`).then(reject)
      }
      child.once('exit', exitedEarly)
    })
  }

  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }),
    )
    process.off('exit', killAll)
  }

  return {
    addresses,
    async start({ fund, ...chain }) {
      for (const address of addresses) await fund(address)
      return await Promise.all(dirs.map((holderDir, index) => spawnHolder(holderDir, index, chain)))
    },
    async cpuMs() {
      try {
        let total = 0
        for (const child of children) total += await processCpuMs(child.pid ?? Number.NaN)
        return total
      } catch {
        return undefined
      }
    },
    stop,
  }
}
