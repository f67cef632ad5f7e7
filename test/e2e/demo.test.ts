// `npm run demo` itself, as the README's first command runs it: exits 0, ends with the demo line,
// and leaves no process of its stack running.
import { spawn, spawnSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { describe, expect, test } from 'vitest'

const demo = new URL('../../scripts/demo.ts', import.meta.url).pathname

/** Live processes adopted by init that belong to a stack: the chain node, bubblewrap. */
function orphans(): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
  return ps.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, stat, ...args]) => ppid === '1' && !stat?.startsWith('Z') && /chain-node|hardhat|bwrap/.test(args.join(' ')))
    .map(([pid]) => Number(pid))
}

describe('demo', () => {
  test('default: the demo runs the whole flow and ends with one "demo ok" line', async () => {
    const before = new Set(orphans())
    const child = spawn(process.execPath, [demo], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code, `stderr: ${err}`).toBe(0)
    const last = out.trim().split('\n').at(-1) ?? ''
    const match = /^demo ok: accuracy=(0\.\d+|1\.0+) weights=(\S+\.safetensors) receipt=(0x[0-9a-f]{64})$/.exec(last)
    expect(match, out).not.toBeNull()
    expect(Number(match![1])).toBeGreaterThan(0.8)
    expect(out).toMatch(/owner encrypted it locally/)
    expect(out).toMatch(/the node verified the order on chain/)
    // Nothing of the demo's stack is left: no orphaned chain or sandbox process.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(orphans().filter((pid) => !before.has(pid))).toEqual([])
    await rm(dirname(match![2]!), { recursive: true, force: true })
  })
})
