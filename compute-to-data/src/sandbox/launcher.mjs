// The sandbox launcher: a small Node process, forked once by the node, that starts each job's first
// process (the shell that becomes bubblewrap) on the node's behalf and hands the node that process's
// pipes (descriptor passing over the IPC channel), its pid and its exit. A fork copies the page
// tables of the process that forks: from the node (often a GiB with its chain client, IPFS and
// database) that took hundreds of ms on a loaded host and blocked its event loop meanwhile; from
// this process (~50 MB) a few ms. It does nothing else: no file, no network, no state but the
// processes it started. It exits when the node goes (its IPC channel closes), and then every
// sandbox goes with it (bubblewrap runs with --die-with-parent).
import { spawn } from 'node:child_process'
import { closeSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'

// Descriptors the node inherited from whoever started it (a supervisor, a harness) without
// close-on-exec, and passed on to this process: closed now, so no process started here inherits
// any descriptor but its own stdio (Node and libuv open everything of their own close-on-exec).
const closeOnExec = 0o2000000
for (const name of readdirSync('/proc/self/fd')) {
  const fd = Number(name)
  if (!Number.isInteger(fd) || fd <= 2 || fd === process.channel?.fd) continue
  try {
    const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))
    if (flags && (parseInt(flags[1], 8) & closeOnExec) === 0) closeSync(fd)
  } catch {}
}

const children = new Map()
let idleTimer
const idleMs = Number(process.argv[2] ?? 60_000)
const idle = () => {
  clearTimeout(idleTimer)
  if (children.size === 0) idleTimer = setTimeout(() => process.disconnect(), idleMs)
}

process.on('disconnect', () => {
  for (const child of children.values()) child.kill('SIGKILL')
  process.exit(0)
})

process.on('message', (request) => {
  if (request?.op !== 'spawn') return
  clearTimeout(idleTimer)
  const { id, command, args, uid, gid, cwd, env, stdio, join = [], write = [] } = request
  let child
  try {
    child = spawn(command, args, { uid, gid, cwd, env, stdio })
  } catch (error) {
    process.send({ id, error: { code: error.code, message: error.message } })
    return idle()
  }
  // A socket starts reading as it is made: one to hand over must not, or what the process writes
  // before it is handed over (bubblewrap's first status, an early error) would be read here and lost.
  for (const socket of child.stdio) {
    if (socket?._handle?.reading) {
      socket._handle.reading = false
      socket._handle.readStop()
    }
  }
  children.set(id, child)
  child.once('error', (error) => {
    children.delete(id)
    process.send({ id, error: { code: error.code, message: error.message } })
    idle()
  })
  child.once('spawn', () => {
    // Into its cgroups before it gets what it waits for (bubblewrap reads its options before it
    // starts anything): every process it starts is counted.
    try {
      for (const file of join) writeFileSync(file, String(child.pid))
    } catch (error) {
      child.kill('SIGKILL')
      for (const socket of child.stdio) socket?.destroy()
      process.send({ id, error: { code: error.code, message: 'the process could not join its cgroups' } })
      return
    }
    const written = new Set()
    for (const { fd, data } of write) {
      const socket = child.stdio[fd]
      if (!socket) continue
      written.add(fd)
      socket.on('error', () => {})
      socket.end(Buffer.from(data, 'base64'))
    }
    process.send({ id, pid: child.pid })
    // One descriptor a message; the launcher's own copy is closed once sent (keepOpen false), so
    // the node holds the only one and end-of-file means what it says.
    child.stdio.forEach((socket, fd) => {
      if (socket && !written.has(fd)) process.send({ id, fd }, socket)
    })
    process.send({ id, handed: true })
  })
  child.once('exit', (code, signal) => {
    children.delete(id)
    process.send({ id, exit: { code, signal } })
    idle()
  })
})
// Ready: the node sends requests from now on (until then it starts processes itself).
process.send({ ready: true })
idle()
