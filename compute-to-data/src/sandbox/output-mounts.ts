import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** What a job's output tmpfs is mounted with (always `nosuid,nodev,noexec`, mode 0700). */
export type OutputTmpfsOptions = { size: number; inodes: number; uid: number; gid: number }

/** Mounts and unmounts the jobs' output tmpfs (root only). */
export type OutputMounts = {
  /** Mounts a tmpfs of `size` bytes and `inodes` inodes, owned by `uid`:`gid`, on `dir`; rejects when the kernel (or mount(8)) refuses. */
  mountTmpfs(dir: string, options: OutputTmpfsOptions): Promise<void>
  /** Unmounts `dir`; lazily (detached) when it is busy. */
  unmount(dir: string): Promise<void>
}

/** The tmpfs options mount(8) and the helper both use: the same words either way. */
export function outputTmpfsData({ size, inodes, uid, gid }: OutputTmpfsOptions): string {
  return `size=${size},nr_inodes=${inodes},mode=0700,uid=${uid},gid=${gid}`
}

/** mount(8) and umount(8): two processes per job (each a fork of the node and an exec). */
export function spawnedOutputMounts(): OutputMounts {
  return {
    async mountTmpfs(dir, options) {
      await run('mount', ['-t', 'tmpfs', '-o', `${outputTmpfsData(options)},nosuid,nodev,noexec`, 'datavault-out', dir])
    },
    async unmount(dir) {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]))
    },
  }
}

/** mount(2), umount2(2) and prctl(2) by architecture: the helper calls them by number. */
const syscallNumbers: Partial<Record<string, { mount: number; umount2: number; prctl: number }>> = {
  x64: { mount: 165, umount2: 166, prctl: 157 },
  arm64: { mount: 40, umount2: 39, prctl: 167 },
}

/**
 * The helper: a perl loop (perl-base is part of every Debian system) that reads one request a line
 * from the node, makes the system call and answers `<id>\t<errno>`. It dies with the node
 * (PR_SET_PDEATHSIG), exits when the node closes its stdin or after `idle` seconds without a
 * request, and acts only on tmpfs mounts with fixed flags (nosuid, nodev, noexec; mode 0700) and
 * on paths under the work dir, whatever it is sent.
 * argv: parent pid, idle seconds, work dir, mount, umount2, prctl numbers.
 */
const helperSource = String.raw`
use strict;
my ($parent, $idle, $root, $SYS_mount, $SYS_umount2, $SYS_prctl) = @ARGV;
$root .= '/' unless $root =~ m{/$};
# syscall() passes a string as a pointer to its (writable) buffer: no literals.
my ($source, $type) = ('datavault-out', 'tmpfs');
syscall($SYS_prctl + 0, 1, 9);
exit 0 if getppid() != $parent;
my $buffer = '';
while (1) {
  my $in = '';
  vec($in, 0, 1) = 1;
  my $ready = select($in, undef, undef, $idle + 0);
  exit 0 if $ready <= 0;
  my $read = sysread(STDIN, $buffer, 65536, length $buffer);
  exit 0 unless $read;
  while ($buffer =~ s/^([^\n]*)\n//) {
    my @word = split /\t/, $1, -1;
    my ($op, $id, $path) = @word;
    my $errno = 22;
    if (defined $path && $path =~ m{^/[^\0]*$} && index($path, $root) == 0 && $path !~ m{/\.\.?(/|$)}) {
      if ($op eq 'mount' && @word == 7 && !grep { !/^\d{1,15}$/ } @word[3 .. 6]) {
        my $data = sprintf('size=%s,nr_inodes=%s,mode=0700,uid=%s,gid=%s', @word[3 .. 6]);
        $errno = syscall($SYS_mount + 0, $source, $path, $type, 14, $data) == 0 ? 0 : $! + 0;
      } elsif ($op eq 'umount' && @word == 3) {
        $errno = syscall($SYS_umount2 + 0, $path, 0) == 0 ? 0 : $! + 0;
        $errno = syscall($SYS_umount2 + 0, $path, 2) == 0 ? 0 : $! + 0 if $errno == 16;
      }
    }
    syswrite(STDOUT, "$id\t$errno\n");
  }
}
`

type Pending = { resolve(errno: number): void; reject(error: Error): void }

/**
 * The output mounts made by one long-lived root helper process (started on first use, or by
 * `warm()`), so a job costs two system calls instead of two mount(8)/umount(8) processes, each a
 * fork of the node. Where the helper cannot run (no perl, an architecture without its syscall
 * numbers, the helper gone mid-request), it falls back to {@link spawnedOutputMounts}. The helper
 * never keeps the node alive: it is unreferenced while no request is pending, exits after
 * `idleMs` without one, and dies with the node.
 *
 * @example
 * const mounts = outputMountHelper({ workDir })
 * await mounts.mountTmpfs(dir, { size: 1 << 20, inodes: 65, uid, gid })
 * await mounts.unmount(dir)
 */
export function outputMountHelper({
  workDir,
  perlPath = '/usr/bin/perl',
  idleMs = 60_000,
  fallback = spawnedOutputMounts(),
}: {
  workDir: string
  perlPath?: string | undefined
  idleMs?: number | undefined
  /** What mounts when the helper cannot answer. Default {@link spawnedOutputMounts}. */
  fallback?: OutputMounts | undefined
}): OutputMounts & {
  /** Starts the helper now, so the first job does not wait for it. */
  warm(): void
} {
  const numbers = syscallNumbers[process.arch]
  const root = resolve(workDir)
  let helper: ChildProcessByStdio<Writable, Readable, null> | undefined
  let unusable = numbers === undefined
  const pending = new Map<number, Pending>()
  let nextId = 1

  const hold = (held: boolean) => {
    if (!helper) return
    for (const handle of [helper, helper.stdin, helper.stdout] as { ref(): void; unref(): void }[]) held ? handle.ref() : handle.unref()
  }

  const start = () => {
    if (helper || unusable || numbers === undefined) return helper
    const child = spawn(perlPath, ['-e', helperSource, String(process.pid), String(idleMs / 1000), root, String(numbers.mount), String(numbers.umount2), String(numbers.prctl)], {
      cwd: '/',
      env: {},
      stdio: ['pipe', 'pipe', 'ignore'],
    })
    helper = child
    let text = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n')) {
        const [id, errno] = text.slice(0, newline).split('\t').map(Number)
        text = text.slice(newline + 1)
        const request = pending.get(id!)
        pending.delete(id!)
        request?.resolve(errno!)
      }
      if (pending.size === 0) hold(false)
    })
    const gone = (error: Error) => {
      if (helper !== child) return
      helper = undefined
      // A helper that could not even start (no perl) is not tried again; one that exited (idle) is.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES') unusable = true
      for (const request of pending.values()) request.reject(error)
      pending.clear()
    }
    child.once('error', gone)
    child.once('exit', () => gone(new Error('the mount helper exited')))
    child.stdin.on('error', () => {})
    hold(false)
    return child
  }

  /** The helper's errno for one request, or undefined when the helper could not answer. */
  const ask = async (words: (string | number)[]): Promise<number | undefined> => {
    if (words.some((word) => /[\t\n\0]/.test(String(word)))) return undefined
    const child = start()
    if (!child) return undefined
    const id = nextId++
    try {
      return await new Promise<number>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        hold(true)
        child.stdin.write(`${[words[0], id, ...words.slice(1)].join('\t')}\n`)
      })
    } catch {
      return undefined
    }
  }

  const failed = (call: string, errno: number, dir: string) =>
    Object.assign(new Error(`${call} ${dir} failed (errno ${errno})`), { code: 'ESYSCALL', errno })

  return {
    warm() {
      start()
    },
    async mountTmpfs(dir, options) {
      const errno = await ask(['mount', resolve(dir), options.size, options.inodes, options.uid, options.gid])
      if (errno === undefined) return fallback.mountTmpfs(dir, options)
      if (errno !== 0) throw failed('mount', errno, dir)
    },
    async unmount(dir) {
      const errno = await ask(['umount', resolve(dir)])
      if (errno === undefined) return fallback.unmount(dir)
      if (errno !== 0) throw failed('umount', errno, dir)
    },
  }
}
