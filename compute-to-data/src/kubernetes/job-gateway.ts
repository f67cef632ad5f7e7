import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { SandboxSpecError } from '../sandbox/errors.ts'
import type { SandboxInput, SandboxLogger } from '../sandbox/runner.ts'

/** What the gateway serves to one job's `fetch` step and accepts from its `upload` step. */
export type JobGrantParameters = {
  program: { path: string; file: string; sha256?: `0x${string}` | undefined }
  /** The node's trusted launcher the trainer container runs the program with (`trainerLaunchers`), served into `/job` beside it. */
  launcher: { path: string; file: string }
  config: unknown
  inputs: readonly SandboxInput[]
  /** Host directory that receives the uploaded outputs (must exist). */
  outputDir: string
  /** Total bytes of the outputs; also the largest file. */
  outputBytes: number
}

/** One job's registration with the gateway. */
export type JobGrant = {
  /** The bearer tokens the job's Secrets carry: random, 256 bits each. */
  tokens: { input: string; output: string }
  /** Called once the trainer container terminated: only then does the output token work. */
  trainerTerminated(): void
  /** True once every input was served whole (the input token is then spent). */
  readonly inputsServed: boolean
  /** Resolves when the upload step said it sent every output. */
  readonly uploaded: Promise<void>
  /** Why the outputs were refused (too large, too many, a bad name), if they were. */
  readonly outputRefusal: 'output-limit' | undefined
  /** The error of an input source that failed while being served (e.g. ciphertext failed authentication). */
  readonly sourceError: unknown
  /** Forgets the job: its tokens stop working at once. */
  revoke(): void
}

/** The node's job gateway: where job pods fetch their inputs and upload their outputs. */
export type JobGateway = {
  /** The address it listens on. */
  readonly address: { host: string; port: number }
  /** Registers a job under its Kubernetes object name. */
  register(name: string, parameters: JobGrantParameters): JobGrant
  close(): Promise<void>
}

const outputName = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/
const route = /^\/v1\/job-io\/([a-z0-9-]{1,63})\/(files|files\/job\/[A-Za-z0-9._-]+|files\/data\/[A-Za-z0-9._-]+|outputs\/[^/]+|outputs-done)$/

type Entry = {
  inputHash: Buffer
  outputHash: Buffer
  parameters: JobGrantParameters
  /** Paths still to serve (each is served once; the input token is spent when none is left). */
  pending: Set<string>
  serving: Set<string>
  trainerDone: boolean
  uploadedNames: Set<string>
  uploadedBytes: number
  done: boolean
  refusal: 'output-limit' | undefined
  sourceError: unknown
  resolveUploaded: () => void
}

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest()

/**
 * Starts the job gateway: an HTTP server that only job pods talk to. Every request names a job and
 * carries that job's bearer token for the step: the input token (the `fetch` step's Secret) reads
 * the program, the node's trainer launcher, the config and the plaintext inputs, each once, and is spent when all were served; the
 * output token (the `upload` step's Secret) writes output files, and only after the trainer
 * container terminated, so a trainer that stole it could not use it while it runs. Tokens are
 * compared in constant time; a request without a valid one gets the same 401 whatever was wrong.
 * Inputs stream from the run's sources straight into the response (never to the node's disk);
 * outputs are written to the run's output directory within the run's size limits, where the
 * engine's egress guard checks them as for the sandbox.
 *
 * @example
 * const gateway = await startJobGateway({ host: '0.0.0.0', port: 8701 })({ logger })
 */
export function startJobGateway(
  init: {
    host?: string | undefined
    port?: number | undefined
    maxOutputEntries?: number | undefined
    /** Most sockets open at once (all jobs together); more are refused. Default 256. */
    maxConnections?: number | undefined
  } = {},
) {
  const { host = '0.0.0.0', port = 8701, maxOutputEntries = 64, maxConnections = 256 } = init
  return async (components: { logger: SandboxLogger }): Promise<JobGateway> => {
    const logger = components.logger.child({ component: 'c2d:job-gateway' })
    const jobs = new Map<string, Entry>()

    const authorized = (entry: Entry | undefined, header: string | undefined, which: 'input' | 'output') => {
      const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header ?? '')
      // Always one comparison, so an unknown job and a wrong token take the same time.
      const given = hash(match?.[1] ?? '')
      const expected = entry ? (which === 'input' ? entry.inputHash : entry.outputHash) : hash(randomBytes(32).toString('hex'))
      return timingSafeEqual(given, expected) && match !== null && entry !== undefined
    }
    const refuse = (res: ServerResponse, status: number, reason: string) => {
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ error: reason }))
    }

    const serveFile = async (entry: Entry, path: string, res: ServerResponse) => {
      entry.pending.delete(path)
      entry.serving.add(path)
      const { parameters } = entry
      let source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
      if (path === `job/${parameters.program.file}`) source = createReadStream(parameters.program.path)
      else if (path === `job/${parameters.launcher.file}`) source = createReadStream(parameters.launcher.path)
      else if (path === 'job/config.json') source = [new TextEncoder().encode(JSON.stringify(parameters.config ?? null))]
      else {
        const input = parameters.inputs.find((i) => `data/${i.name}` === path)!
        source = input.source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>
      }
      const guarded = async function* () {
        try {
          for await (const chunk of source) yield chunk
        } catch (error) {
          entry.sourceError ??= error
          throw error
        }
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      try {
        await pipeline(Readable.from(guarded()), res)
        entry.serving.delete(path)
      } catch {
        // A source that failed or a fetch that went away: the job cannot get this input again.
        res.destroy()
      }
    }

    const receive = async (entry: Entry, name: string, req: IncomingMessage, res: ServerResponse) => {
      const { parameters } = entry
      if (!outputName.test(name) || entry.uploadedNames.has(name) || entry.uploadedNames.size >= maxOutputEntries) {
        entry.refusal = 'output-limit'
        return refuse(res, 422, 'output refused')
      }
      entry.uploadedNames.add(name)
      const file = await open(join(parameters.outputDir, name), 'wx', 0o600)
      const limit = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          entry.uploadedBytes += chunk.length
          if (entry.uploadedBytes > parameters.outputBytes) return callback(new RangeError('output limit'))
          callback(null, chunk)
        },
      })
      try {
        await pipeline(req, limit, file.createWriteStream())
        res.writeHead(204).end()
      } catch (error) {
        if (error instanceof RangeError) entry.refusal = 'output-limit'
        // A refused or broken upload leaves nothing half-written for the egress guard to find.
        await rm(join(parameters.outputDir, name), { force: true })
        refuse(res, 413, 'output refused')
      }
    }

    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://gateway')
      const matched = route.exec(url.pathname)
      const entry = matched ? jobs.get(matched[1]!) : undefined
      const action = matched?.[2] ?? ''
      const which = action.startsWith('files') ? 'input' : 'output'
      if (!authorized(entry, req.headers.authorization, which) || entry === undefined) return refuse(res, 401, 'unauthorized')
      if (which === 'input') {
        if (req.method !== 'GET') return refuse(res, 405, 'method not allowed')
        if (entry.pending.size === 0 && entry.serving.size === 0) return refuse(res, 401, 'unauthorized')
        if (action === 'files') {
          const paths = [...entry.pending]
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ files: paths }))
        }
        const path = action.slice('files/'.length)
        if (!entry.pending.has(path)) return refuse(res, 409, 'already served')
        return serveFile(entry, path, res)
      }
      // The output token: only once the trainer is gone, and until the upload said it is done. The
      // upload step may start before the node's watch saw the trainer end: 425 tells the holder of
      // the valid token (and only it) to try again shortly.
      if (entry.done) return refuse(res, 401, 'unauthorized')
      if (!entry.trainerDone) return refuse(res, 425, 'too early')
      if (action === 'outputs-done') {
        if (req.method !== 'POST') return refuse(res, 405, 'method not allowed')
        entry.done = true
        entry.resolveUploaded()
        return void res.writeHead(204).end()
      }
      if (req.method !== 'PUT') return refuse(res, 405, 'method not allowed')
      return receive(entry, decodeURIComponent(action.slice('outputs/'.length)), req, res)
    }

    const server: Server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        logger.warn({ err: (error as Error)?.name }, 'job gateway request failed')
        if (!res.headersSent) refuse(res, 500, 'internal error')
        else res.destroy()
      })
    })
    // Uploads may take long as a whole, but a hostile program can reach this server (with nothing to
    // say to it): bound what its sockets can hold of the node.
    server.requestTimeout = 0
    server.headersTimeout = 5_000
    server.timeout = 60_000
    server.keepAliveTimeout = 5_000
    server.maxConnections = maxConnections
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    const bound = server.address() as AddressInfo
    logger.info({ host: bound.address, port: bound.port }, 'job gateway listening')

    return {
      address: { host: bound.address, port: bound.port },
      register(name, parameters) {
        if (jobs.has(name)) throw new SandboxSpecError(`Job ${name} is already registered with the job gateway.`)
        const tokens = { input: randomBytes(32).toString('base64url'), output: randomBytes(32).toString('base64url') }
        let resolveUploaded!: () => void
        const uploaded = new Promise<void>((resolve) => (resolveUploaded = resolve))
        const entry: Entry = {
          inputHash: hash(tokens.input),
          outputHash: hash(tokens.output),
          parameters,
          pending: new Set([`job/${parameters.program.file}`, `job/${parameters.launcher.file}`, 'job/config.json', ...parameters.inputs.map((i) => `data/${i.name}`)]),
          serving: new Set(),
          trainerDone: false,
          uploadedNames: new Set(),
          uploadedBytes: 0,
          done: false,
          refusal: undefined,
          sourceError: undefined,
          resolveUploaded,
        }
        jobs.set(name, entry)
        return {
          tokens,
          trainerTerminated: () => void (entry.trainerDone = true),
          get inputsServed() {
            return entry.pending.size === 0 && entry.serving.size === 0
          },
          uploaded,
          get outputRefusal() {
            return entry.refusal
          },
          get sourceError() {
            return entry.sourceError
          },
          revoke: () => {
            if (jobs.get(name) === entry) jobs.delete(name)
          },
        }
      },
      async close() {
        jobs.clear()
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      },
    }
  }
}
