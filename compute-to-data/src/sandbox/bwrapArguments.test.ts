import { describe, expect, test } from 'vitest'
import { bwrapArguments, encodeBwrapArgs, jobLoadavg, jobMeminfo } from './bwrapArguments.ts'

const fds = { status: 3, block: 4, program: 5, config: 6, seccomp: 7, meminfo: 8, loadavg: 9, stat: 11, uptime: 12, firstInput: 13 }
const base = {
  caps: {
    systemMounts: [
      { kind: 'bind' as const, path: '/usr' },
      { kind: 'symlink' as const, path: '/lib', target: 'usr/lib' },
    ],
    node: '/usr/local/bin/node',
    prlimit: '/usr/bin/prlimit',
    identity: 'per-job-uid' as const,
  },
  runtime: 'python' as const,
  inputs: ['train.csv', 'more.csv'],
  stagingDir: '/tmp/datavault-sandbox/staging-1234-job',
  tmpBytes: 64 * 1024 ** 2,
  limits: { cpuSeconds: 60, outputBytes: 1024 ** 2, processes: 64, memoryBytes: 512 * 1024 ** 2 },
  cgroup: true,
  nodePermissions: true,
  seccomp: true,
  bubblewrapTasks: 2,
  rlimitDataOverhead: 768 * 1024 ** 2,
  fds,
  argsFd: 10,
}

/** The value after each occurrence of `flag` (or the two after, for two-operand flags). */
const after = (args: string[], flag: string, count = 1) => args.flatMap((arg, i) => (arg === flag ? [args.slice(i + 1, i + 1 + count).join(' ')] : []))

describe('bwrapArguments', () => {
  test('default: options go through --args; the command line holds only prlimit and the interpreter, no host path of the job', () => {
    const { argv, args, programPath } = bwrapArguments(base)
    expect(programPath).toBe('/sandbox/program.py')
    expect(argv).toEqual(['--args', '10', '--', '/usr/bin/prlimit', '--cpu=60:61', '--fsize=1048576:1048576', '--core=0:0', '--nofile=256:256', '--nproc=66:66', '--', '/usr/bin/python3', '-I', '-B', '/sandbox/program.py'])
    expect(argv.join(' ')).not.toContain(base.stagingDir)
    expect(after(args, '--bind', 2)).toEqual([`${base.stagingDir} /out`])
    expect(after(args, '--ro-bind-data', 2)).toEqual(['5 /sandbox/program.py', '6 /job/config.json', '13 /data/train.csv', '14 /data/more.csv', '8 /proc/meminfo', '9 /proc/loadavg', '11 /proc/stat', '12 /proc/uptime'])
    expect(args.slice(0, 7)).toEqual(['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'])
    expect(after(args, '--seccomp')).toEqual(['7'])
    expect(after(args, '--json-status-fd')).toEqual(['3'])
    expect(after(args, '--block-fd')).toEqual(['4'])
  })

  test('behavior: /usr/local is an empty read-only tmpfs over the bound /usr; /proc/meminfo and /proc/loadavg are bound after /proc is mounted', () => {
    const { args } = bwrapArguments(base)
    const at = (word: string, from = 0) => args.indexOf(word, from)
    expect(after(args, '--tmpfs')).toEqual(['/usr/local', '/tmp'])
    expect(at('/usr/local')).toBeGreaterThan(at('/usr'))
    expect(after(args, '--remount-ro')).toEqual(['/usr/local', '/dev', '/'])
    expect(at('/proc/meminfo')).toBeGreaterThan(at('--proc'))
    expect(at('/proc/stat')).toBeGreaterThan(at('--proc'))
    expect(at('/proc/uptime')).toBeGreaterThan(at('--proc'))
    // Without /usr bound (a merged-/usr host's symlinks only), nothing is mounted over it.
    const { args: symlinksOnly } = bwrapArguments({ ...base, caps: { ...base.caps, systemMounts: [{ kind: 'symlink', path: '/bin', target: 'usr/bin' }] } })
    expect(symlinksOnly).not.toContain('/usr/local')
  })

  test('args: node programs run under the permission model with a heap from the memory limit; without cgroups RLIMIT_DATA holds memory', () => {
    const { argv, programPath } = bwrapArguments({ ...base, runtime: 'node', cgroup: false, caps: { ...base.caps, identity: 'current-user' } })
    expect(programPath).toBe('/sandbox/program.mjs')
    expect(argv).toContain('--data=1342177280:1342177280')
    expect(argv).not.toContain('--nproc=66:66')
    expect(argv.slice(argv.lastIndexOf('--') + 1, argv.lastIndexOf('--') + 4)).toEqual(['/sandbox/node', '--max-old-space-size=384', '--permission'])
    expect(bwrapArguments({ ...base, runtime: 'node', nodePermissions: false }).argv).not.toContain('--permission')
    expect(bwrapArguments({ ...base, seccomp: false }).args).not.toContain('--seccomp')
  })

  test('behavior: the job\'s own /proc views and the --args encoding', () => {
    expect(jobMeminfo(512 * 1024 ** 2)).toMatch(/^MemTotal: +524288 kB\nMemFree: +524288 kB\n/)
    expect(jobLoadavg).toBe('0.00 0.00 0.00 1/1 1\n')
    expect(new TextDecoder().decode(encodeBwrapArgs(['--proc', '/proc']))).toBe('--proc\0/proc\0')
  })

  test('behavior: a pre-started sandbox differs from a cold one only in having no job yet: no config or inputs bound, its job descriptor named', () => {
    const cold = bwrapArguments({ ...base, runtime: 'node', inputs: [] })
    const warm = bwrapArguments({ ...base, runtime: 'node', inputs: [], jobFd: 13 })
    // The same command (prlimit's limits, the interpreter and its permissions).
    expect(warm.argv).toEqual(cold.argv)
    expect(after(warm.args, '--ro-bind-data', 2)).toEqual(['5 /sandbox/program.mjs', '8 /proc/meminfo', '9 /proc/loadavg', '11 /proc/stat', '12 /proc/uptime'])
    expect(after(warm.args, '--setenv', 2)).toEqual([...after(cold.args, '--setenv', 2), 'DATAVAULT_JOB_FD 13'])
    // Every other option, namespaces, mounts, seccomp and the block descriptor included, word for word.
    const strip = (args: string[]) => args.join('\0').replace('\0--setenv\0DATAVAULT_JOB_FD\x0013', '').replace('\0--perms\x000444\0--ro-bind-data\x006\0/job/config.json', '')
    expect(strip(warm.args)).toBe(strip(cold.args))
    expect(() => bwrapArguments({ ...base, runtime: 'node', jobFd: 13 })).toThrow(/no inputs yet/)
    expect(() => bwrapArguments({ ...base, inputs: [], jobFd: 13 })).toThrow(/Node program/)
  })
})
