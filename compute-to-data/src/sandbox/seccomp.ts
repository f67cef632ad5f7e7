/**
 * A seccomp filter for the sandbox (classic BPF, as bubblewrap's `--seccomp FD` reads it). The
 * namespaces and the dropped capabilities already deny most of these calls; the filter removes the
 * kernel surface behind them as well (ptrace and cross-process memory, keyrings, eBPF, perf,
 * userfaultfd, io_uring, the mount API, modules, kexec, clock and host settings). Blocked calls
 * fail with EPERM; a call of another architecture than x86-64, or of the x32 ABI (numbers with
 * bit 30 set), kills the process.
 */
export const blockedSyscallsX64: Readonly<Record<string, number>> = {
  ptrace: 101,
  process_vm_readv: 310,
  process_vm_writev: 311,
  kcmp: 312,
  keyctl: 250,
  add_key: 248,
  request_key: 249,
  bpf: 321,
  perf_event_open: 298,
  userfaultfd: 323,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  mount: 165,
  umount2: 166,
  pivot_root: 155,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  mount_setattr: 442,
  unshare: 272,
  setns: 308,
  open_by_handle_at: 304,
  name_to_handle_at: 303,
  fanotify_init: 300,
  lookup_dcookie: 212,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  kexec_load: 246,
  kexec_file_load: 320,
  init_module: 175,
  finit_module: 313,
  delete_module: 176,
  acct: 163,
  quotactl: 179,
  syslog: 103,
  vhangup: 153,
  iopl: 172,
  ioperm: 173,
  uselib: 134,
  settimeofday: 164,
  clock_settime: 227,
  clock_adjtime: 305,
  adjtimex: 159,
  sethostname: 170,
  setdomainname: 171,
  migrate_pages: 256,
  move_pages: 279,
}

const BPF_LD_W_ABS = 0x20
const BPF_JMP_JEQ_K = 0x15
const BPF_JMP_JGE_K = 0x35
const BPF_RET_K = 0x06
const AUDIT_ARCH_X86_64 = 0xc000003e
const X32_SYSCALL_BIT = 0x40000000
const SECCOMP_RET_KILL_PROCESS = 0x80000000
const SECCOMP_RET_ERRNO = 0x00050000
const SECCOMP_RET_ALLOW = 0x7fff0000
const EPERM = 1
// struct seccomp_data: int nr; __u32 arch; ...
const offsetNr = 0
const offsetArch = 4

/** The filter as `struct sock_filter[]` bytes (little-endian), or undefined where it is not built (not x86-64). */
export function sandboxSeccompFilter(arch: string = process.arch): Uint8Array | undefined {
  if (arch !== 'x64') return undefined
  const numbers = Object.values(blockedSyscallsX64)
  const program: [code: number, jt: number, jf: number, k: number][] = []
  // Layout: 0-3 architecture check and load; 4 the x32 test; 5… one test per blocked call; then
  // ALLOW, EPERM and (for x32) KILL_PROCESS. A jump's offset counts from the next instruction.
  const deny = 5 + numbers.length + 1
  const kill = deny + 1
  program.push([BPF_LD_W_ABS, 0, 0, offsetArch])
  program.push([BPF_JMP_JEQ_K, 1, 0, AUDIT_ARCH_X86_64])
  program.push([BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS])
  program.push([BPF_LD_W_ABS, 0, 0, offsetNr])
  program.push([BPF_JMP_JGE_K, kill - 4 - 1, 0, X32_SYSCALL_BIT])
  numbers.forEach((nr, i) => program.push([BPF_JMP_JEQ_K, deny - (5 + i) - 1, 0, nr]))
  program.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW])
  program.push([BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM])
  program.push([BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS])
  const bytes = new Uint8Array(program.length * 8)
  const view = new DataView(bytes.buffer)
  program.forEach(([code, jt, jf, k], i) => {
    view.setUint16(i * 8, code, true)
    view.setUint8(i * 8 + 2, jt)
    view.setUint8(i * 8 + 3, jf)
    view.setUint32(i * 8 + 4, k, true)
  })
  return bytes
}
