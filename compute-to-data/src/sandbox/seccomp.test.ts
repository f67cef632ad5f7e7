import { describe, expect, test } from 'vitest'
import { blockedSyscallsX64, sandboxSeccompFilter } from './seccomp.ts'

const KILL_PROCESS = 0x80000000
const ERRNO_EPERM = 0x00050001
const ALLOW = 0x7fff0000
const X86_64 = 0xc000003e

/** Runs the classic-BPF program on one `struct seccomp_data` (nr, arch), as the kernel does. */
function evaluate(filter: Uint8Array, nr: number, arch: number): number {
  const view = new DataView(filter.buffer, filter.byteOffset, filter.byteLength)
  let accumulator = 0
  for (let pc = 0; pc < filter.byteLength / 8; ) {
    const code = view.getUint16(pc * 8, true)
    const jt = view.getUint8(pc * 8 + 2)
    const jf = view.getUint8(pc * 8 + 3)
    const k = view.getUint32(pc * 8 + 4, true)
    if (code === 0x20) {
      accumulator = k === 0 ? nr >>> 0 : k === 4 ? arch >>> 0 : Number.NaN
      pc += 1
    } else if (code === 0x15) pc += 1 + (accumulator === k ? jt : jf)
    else if (code === 0x35) pc += 1 + (accumulator >= k ? jt : jf)
    else if (code === 0x06) return k
    else throw new Error(`unexpected BPF code ${code}`)
  }
  throw new Error('fell off the end of the program')
}

describe('sandboxSeccompFilter', () => {
  test('default: x86-64 calls are allowed unless blocked; blocked ones fail with EPERM', () => {
    const filter = sandboxSeccompFilter('x64')!
    expect(evaluate(filter, 39, X86_64)).toBe(ALLOW) // getpid
    expect(evaluate(filter, 0, X86_64)).toBe(ALLOW) // read
    for (const nr of Object.values(blockedSyscallsX64)) expect(evaluate(filter, nr, X86_64)).toBe(ERRNO_EPERM)
  })

  test('behavior: x32 calls (bit 30) and other architectures kill the process, as the comment says', () => {
    const filter = sandboxSeccompFilter('x64')!
    expect(evaluate(filter, 0x40000000 | 39, X86_64)).toBe(KILL_PROCESS)
    expect(evaluate(filter, 0x40000000 | 101, X86_64)).toBe(KILL_PROCESS)
    expect(evaluate(filter, 39, 0x40000003)).toBe(KILL_PROCESS) // i386
  })

  test('args: no filter is built off x86-64', () => {
    expect(sandboxSeccompFilter('arm64')).toBeUndefined()
  })
})
