// The sandbox launcher: a small Node process, forked once by the node, that starts each job's first
// process (the shell that becomes bubblewrap) on the node's behalf and hands the node that process's
// pipes (descriptor passing over the IPC channel), its pid and its exit. A fork copies the page
// tables of the process that forks: from the node (often a GiB with its chain client, IPFS and
// database) that took hundreds of ms on a loaded host and blocked its event loop meanwhile; from
// this process (~50 MB) a few ms. It does nothing else: no file, no network, no state but the
// processes it started. It exits when the node goes (its IPC channel closes), and then every
// sandbox goes with it (bubblewrap runs with --die-with-parent).
import { spawn } from 'node:child_process'

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
  const { id, command, args, uid, gid, cwd, env, stdio } = request
  let child
  try {
    child = spawn(command, args, { uid, gid, cwd, env, stdio })
  } catch (error) {
    process.send({ id, error: { code: error.code, message: error.message } })
    return idle()
  }
  children.set(id, child)
  child.once('error', (error) => {
    children.delete(id)
    process.send({ id, error: { code: error.code, message: error.message } })
    idle()
  })
  child.once('spawn', () => {
    process.send({ id, pid: child.pid })
    // One descriptor a message; the launcher's own copy is closed once sent (keepOpen false), so
    // the node holds the only one and end-of-file means what it says.
    child.stdio.forEach((socket, fd) => {
      if (socket) process.send({ id, fd }, socket)
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
