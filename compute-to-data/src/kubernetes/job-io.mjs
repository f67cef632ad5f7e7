#!/usr/bin/env node
// The job-io program: the `fetch` and `upload` steps of a Kubernetes job's pod, run from the node's
// image (Node 24, nothing but node:*). It talks to the node's job gateway only, with the bearer
// token of its own step (a Secret mounted into this container alone).
//
//   job-io.mjs fetch   downloads the program, the node's trainer launcher and the program's config
//                      into /job and the inputs into /data, checking the SHA-256 of the program
//                      (exit 3) and of the launcher (exit 6); exits non-zero on any failure.
//   job-io.mjs upload  sends every regular file of /out, then says it is done.
//
// Settings come from the environment: DATAVAULT_GATEWAY_URL, DATAVAULT_JOB, DATAVAULT_CREDENTIALS
// (the token file), DATAVAULT_PROGRAM_FILE, DATAVAULT_PROGRAM_SHA256, DATAVAULT_LAUNCHER_FILE,
// DATAVAULT_LAUNCHER_SHA256.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, readFileSync } from 'node:fs'
import { lstat, readdir, rm } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

const env = process.env
const step = process.argv[2]
const base = new URL(`/v1/job-io/${env.DATAVAULT_JOB}/`, env.DATAVAULT_GATEWAY_URL)
const token = readFileSync(env.DATAVAULT_CREDENTIALS ?? '', 'utf8').trim()
const headers = { authorization: `Bearer ${token}` }
const safeName = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/

function fail(code, reason) {
  process.stderr.write(`job-io ${step}: ${reason}\n`)
  process.exit(code)
}

async function fetchStep() {
  const listing = await fetch(new URL('files', base), { headers })
  if (!listing.ok) fail(2, `the gateway refused the listing (${listing.status})`)
  const { files } = await listing.json()
  const programPath = `job/${env.DATAVAULT_PROGRAM_FILE}`
  const launcherPath = `job/${env.DATAVAULT_LAUNCHER_FILE}`
  // The files whose bytes must have a given SHA-256, and the exit code of a mismatch.
  const checked = new Map([
    [programPath, { sha256: env.DATAVAULT_PROGRAM_SHA256, code: 3, what: 'the program' }],
    [launcherPath, { sha256: env.DATAVAULT_LAUNCHER_SHA256, code: 6, what: 'the launcher' }],
  ])
  for (const path of files) {
    const [dir, name] = path.split('/')
    if ((dir !== 'job' && dir !== 'data') || !safeName.test(name ?? '')) fail(2, 'the gateway listed an unexpected path')
    const response = await fetch(new URL(`files/${path}`, base), { headers })
    if (!response.ok || !response.body) fail(2, `the gateway refused ${dir === 'job' ? path : 'an input'} (${response.status})`)
    const hasher = createHash('sha256')
    const hashing = new Transform({
      transform(chunk, _encoding, callback) {
        if (checked.has(path)) hasher.update(chunk)
        callback(null, chunk)
      },
    })
    await pipeline(Readable.fromWeb(response.body), hashing, createWriteStream(`/${path}`, { flags: 'wx', mode: 0o440 }))
    const check = checked.get(path)
    if (check && `0x${hasher.digest('hex')}` !== check.sha256) {
      await rm(`/${path}`, { force: true })
      fail(check.code, `${check.what} does not have the expected SHA-256`)
    }
  }
  if (!files.includes(programPath) || !files.includes(launcherPath) || !files.includes('job/config.json')) fail(2, 'the gateway did not list the program, the launcher and the config')
}

/** The gateway answers 425 until the node saw the trainer end; wait for it, up to two minutes. */
async function untilAccepted(request) {
  for (let attempt = 0; ; attempt++) {
    const response = await request()
    if (response.status !== 425 || attempt >= 240) return response
    await response.body?.cancel()
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

async function uploadStep() {
  const entries = await readdir('/out')
  for (const name of entries) {
    const stats = await lstat(`/out/${name}`)
    // The trainer's doing, not a fault of the step: exit 5 tells the node to fail the job as an egress violation.
    if (!stats.isFile() || !safeName.test(name)) fail(5, '/out holds something other than plain files with plain names')
    const response = await untilAccepted(() =>
      fetch(new URL(`outputs/${encodeURIComponent(name)}`, base), {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(createReadStream(`/out/${name}`)),
        duplex: 'half',
      }),
    )
    if (!response.ok) fail(4, `the gateway refused an output (${response.status})`)
  }
  const done = await untilAccepted(() => fetch(new URL('outputs-done', base), { method: 'POST', headers }))
  if (!done.ok) fail(4, `the gateway refused the end of the upload (${done.status})`)
}

if (step === 'fetch') await fetchStep().catch((error) => fail(2, `failed: ${error?.name ?? 'error'}`))
else if (step === 'upload') await uploadStep().catch((error) => fail(4, `failed: ${error?.name ?? 'error'}`))
else fail(64, 'usage: job-io.mjs fetch|upload')
