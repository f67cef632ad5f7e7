// `npm run demo:pool` itself, as the README runs it: exits 0, ends with the pool demo line (three
// members, a model trained over all of them that is good on people none of them had, the whole
// price claimed back by the members), and leaves no process of its stack running.
import { spawn, spawnSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { describe, expect, test } from 'vitest'

const demo = new URL('../../scripts/demo-pool.ts', import.meta.url).pathname

/** Live processes adopted by init that belong to a stack: the chain node, bubblewrap. */
function orphans(): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
  return ps.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, stat, ...args]) => ppid === '1' && !stat?.startsWith('Z') && /chain-node|hardhat|bwrap/.test(args.join(' ')))
    .map(([pid]) => Number(pid))
}

describe('demo:pool', () => {
  test('default: three owners pool their data, vote a trainer in, a buyer trains on the pool, the members claim the price', async () => {
    const before = new Set(orphans())
    const child = spawn(process.execPath, [demo], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code, `stderr: ${err}`).toBe(0)
    const last = out.trim().split('\n').at(-1) ?? ''
    const match = /^pool demo ok: members=3 accuracy=(0\.\d+|1\.0+) claimed=(\d+\.\d{3})$/.exec(last)
    expect(match, out).not.toBeNull()
    expect(Number(match![1])).toBeGreaterThan(0.8)
    // The buyer paid 10 base tokens; the members' parts add up to it (rounding leaves under a wei each).
    expect(Number(match![2])).toBeCloseTo(10, 3)
    for (const name of ['alice', 'bob', 'carol']) expect(out).toMatch(new RegExp(`${name} joined the pool with its dataset: \\d+ shares`))
    expect(out).toMatch(/carol executed it: the pool now approves 1 trainer \(logistic-regression\)/)
    expect(out).toMatch(/names the 3 members' datasets it trained on \(1500 \+ 1200 \+ 1300 rows\)/)
    // Nothing of the demo's stack is left: no orphaned chain or sandbox process.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(orphans().filter((pid) => !before.has(pid))).toEqual([])
    const weights = /saved \d+ bytes of weights to (\S+\.safetensors);/.exec(out)?.[1]
    expect(weights, out).toBeDefined()
    await rm(dirname(weights!), { recursive: true, force: true })
  })
})
