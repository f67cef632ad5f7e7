#!/usr/bin/env node
// The trusted launcher of a Node trainer in a Kubernetes job's pod (Node 24, node:* only).
//
// The trainer container runs `node /job/launch.mjs /job/program.mjs` instead of the program, so
// that the container log (which the kubelet writes to the cluster node's disk, and log shippers
// send off-cluster) can only ever hold valid trainer protocol events, never what a hostile program
// prints:
//
// - the program runs in a child `node` under the permission model (`--permission`): it may read
//   its own directory, /data, /tmp and /out and write /out and /tmp; nothing else of the filesystem (so
//   not `/proc/<this pid>/fd/1`, the container log), no child processes, workers or addons;
// - its stdout is a pipe to this process, its stdin and stderr /dev/null;
// - each line of the pipe (at most 4096 bytes; longer lines are dropped whole) is parsed as a
//   strict event of `compute-to-data/src/sandbox/protocol.ts`, narrowed as the runner's
//   `event-lines.ts` narrows it (epochs count up from 1 by one, loss and accuracy quantized, error
//   codes from the fixed list, at most 10000 events) and written re-serialized; the rest is dropped;
// - it exits with the child's exit code (128 + the signal if a signal ended it).
//
// Node cannot make itself non-dumpable or dup2: the child's confinement rests on the permission
// model, which Node documents as a guard for trusted code, not a boundary against malicious code.
// Nothing of the program's stderr is kept. Usage: `launch.mjs [program]`, default `/job/program.mjs`.
import { spawn } from 'node:child_process'
import { dirname } from 'node:path'

const maxLineBytes = 4096
const maxEvents = 10_000
// After the program ended, how long to read what is left of the pipe.
const drainMs = 2_000
// compute-to-data/src/sandbox/protocol.ts: trainerErrorCodes
const errorCodes = new Set([
  'internal-error',
  'bad-config',
  'bad-encoding',
  'bad-csv',
  'duplicate-header',
  'missing-column',
  'ragged-row',
  'non-numeric-cell',
  'unknown-label-value',
  'unknown-category-value',
  'no-rows',
  'rows-mismatch',
  'output-failed',
  'bad-parameters',
  'bad-label',
  'bad-feature',
  'duplicate-feature',
  'no-numeric-features',
  'model-too-large',
  'dp-missing-rows',
  'dp-missing-bounds',
  'dp-batch-too-large',
  'dp-delta-too-large',
  'model-invalid',
  'model-mismatch',
  'model-has-buffers',
  'isolation-unavailable',
])

const program = process.argv[2] ?? '/job/program.mjs'
const decoder = new TextDecoder('utf-8', { fatal: true })
let epoch = 0
let events = 0

const finite = (value) => typeof value === 'number' && Number.isFinite(value)

/** The canonical line of a valid event, or undefined. */
function canonical(bytes) {
  let value
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const keys = Object.keys(value)
  const only = (...allowed) => keys.every((key) => allowed.includes(key))
  switch (value.event) {
    case 'started':
    case 'done':
      return only('event') ? JSON.stringify({ event: value.event }) : undefined
    case 'error':
      return only('event', 'code') && typeof value.code === 'string' && errorCodes.has(value.code) ? JSON.stringify({ event: 'error', code: value.code }) : undefined
    case 'epoch': {
      if (!only('event', 'epoch', 'loss', 'accuracy') || !finite(value.loss) || value.epoch !== epoch + 1) return undefined
      const hasAccuracy = keys.includes('accuracy')
      if (hasAccuracy && !(finite(value.accuracy) && value.accuracy >= 0 && value.accuracy <= 1)) return undefined
      epoch = value.epoch
      const clamped = Math.max(-1e6, Math.min(1e6, value.loss))
      const loss = Math.abs(clamped) < 1e-4 ? 0 : Number(clamped.toPrecision(3))
      return JSON.stringify({
        event: 'epoch',
        epoch,
        loss: Object.is(loss, -0) ? 0 : loss,
        ...(hasAccuracy ? { accuracy: Math.round(value.accuracy * 1000) / 1000 } : {}),
      })
    }
    default:
      return undefined
  }
}

function line(bytes) {
  const text = canonical(bytes)
  if (text === undefined || events >= maxEvents) return
  events++
  process.stdout.write(`${text}\n`)
}

const readDir = dirname(program)
const child = spawn(
  process.execPath,
  [
    '--permission',
    `--allow-fs-read=${readDir}`,
    '--allow-fs-read=/data',
    '--allow-fs-read=/tmp',
    // As in the sandbox: the program may read back what it wrote.
    '--allow-fs-read=/out',
    '--allow-fs-write=/out',
    '--allow-fs-write=/tmp',
    program,
  ],
  // The container's environment is HOME, TMPDIR and LANG; nothing else (no NODE_OPTIONS) reaches the program.
  { stdio: ['ignore', 'pipe', 'ignore'], env: { HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp', LANG: process.env.LANG ?? 'C.UTF-8' } },
)

const buffer = Buffer.alloc(maxLineBytes)
let length = 0
let overlong = false
child.stdout.on('data', (chunk) => {
  let start = 0
  while (start < chunk.length) {
    const newline = chunk.indexOf(0x0a, start)
    const end = newline === -1 ? chunk.length : newline
    if (!overlong) {
      if (length + end - start > maxLineBytes) {
        overlong = true
        length = 0
      } else {
        chunk.copy(buffer, length, start, end)
        length += end - start
      }
    }
    if (newline === -1) break
    if (!overlong && length > 0) line(buffer.subarray(0, length))
    overlong = false
    length = 0
    start = newline + 1
  }
})
const drained = new Promise((resolve) => child.stdout.on('close', resolve))
child.stdout.on('end', () => {
  if (!overlong && length > 0) line(buffer.subarray(0, length))
  length = 0
})

// Stop requests (the kubelet's SIGTERM to PID 1) go to the program.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal))

const { signals } = await import('node:os').then((os) => os.constants)
const [code, signal] = await new Promise((resolve) => {
  child.on('error', () => resolve([127, null]))
  child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]))
})
await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, drainMs).unref())])
const status = signal ? 128 + (signals[signal] ?? 0) : (code ?? 1)
// process.exit after stdout is flushed: a leftover process may hold the pipe open.
process.stdout.write('', () => process.exit(status))
