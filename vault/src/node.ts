import { createHash } from 'node:crypto'
import { mkdir, rm, statfs } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  type ComputeEngine,
  type HeWorkerPool,
  type TrainerDefinition,
  bubblewrapRunner,
  builtinTrainers,
  computeEngine,
  createTrainerCatalog,
  defaultEnvironments,
  environmentCatalog,
  heWorkerPool,
  homomorphicTrainers,
  kubernetesRunner,
  sandboxHasPytorch,
  privacyLedger,
  sqliteJobStore,
} from '@datavault/compute-to-data'
import { ConfigError, type VaultConfig } from './config.ts'
import { receiptAnchorer } from './chain/receipt-anchorer.ts'
import { connectChain } from './chain/chain.ts'
import { createApp } from './http/app.ts'
import type { KeyEscrowManifest } from '@datavault/sdk'
import { heJobInputs } from './he/he-job-inputs.ts'
import type { ApiComponents } from './http/components.ts'
import { thresholdKeyService } from './keys/threshold-key-service.ts'
import type { KeyService } from './keys/key-service.ts'
import { requestKeyWithRetry } from './keys/requestKeyWithRetry.ts'
import { litKeyService } from './keys/lit/index.ts'
import { keyRegistryReader } from './keyholder/holder-chain.ts'
import { keyHolder } from './keyholder/key-holder.ts'
import { ensureRegistered } from './keyholder/start-key-holder.ts'
import { loadNodeIdentity } from './keys/node-identity.ts'
import { type Logger, createLogger } from './logger.ts'
import { heliaStorage } from './storage/helia-storage.ts'
import { datasetInputs } from './jobs/dataset-inputs.ts'
import { jobReceipt, poolJobRows } from './jobs/pool-job-rows.ts'
import { openDatabase } from './db/database.ts'
import { algorithmStore, programResolver } from './db/algorithms.ts'
import { ownerLogKeyStore, ownerLogSealer } from './db/owner-log-keys.ts'
import { jobQuota } from './db/job-quota.ts'
import { uploadQuota } from './db/upload-quota.ts'
import { uploadSessions as createUploadSessions } from './uploads/upload-sessions.ts'
import { datasetStore } from './db/datasets.ts'
import { vaultPrivacy } from './privacy/vault-privacy.ts'
import { noiseCalibrator } from './privacy/noise-calibrator.ts'
import { nonceStore } from './db/nonces.ts'
import { poolReader } from './pools/pool-chain.ts'

/** `f_type` of tmpfs in statfs(2). */
const tmpfsMagic = 0x01021994

/** Whether `path` is on a tmpfs (memory-backed). */
const isTmpfs = (path: string) =>
  statfs(path).then(
    (stats) => stats.type === tmpfsMagic,
    () => false,
  )

/**
 * Where the engine stages each job's outputs while the egress guard checks them. A hostile program
 * may write data there, so it must be memory-backed: a private dir on /dev/shm (tmpfs) when there
 * is one; else the data dir, with a warning.
 */
async function memoryWorkDir({ dataDir, logger }: { dataDir: string; logger: Logger }): Promise<string> {
  const shm = '/dev/shm'
  if (!(await isTmpfs(shm))) {
    logger.warn({ dir: join(dataDir, 'work') }, 'no tmpfs at /dev/shm: job outputs are staged on disk while they are checked')
    return join(dataDir, 'work')
  }
  const dir = join(shm, 'datavault', createHash('sha256').update(dataDir).digest('hex').slice(0, 16))
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true, mode: 0o700 })
  return dir
}

/** A running vault node. */
export type VaultNode = {
  /** Base URL of the HTTP API. */
  url: string
  /** The node's wallet address. */
  address: `0x${string}`
  /** Where job outputs are staged while the egress guard checks them (memory-backed where possible). */
  workDir: string
  components: ApiComponents & { engine: ComputeEngine }
  /** Stops the API, the engine (running jobs fail as interrupted), IPFS and the database. */
  stop(): Promise<void>
}

/**
 * The composition root of a vault node: opens the data dir, loads keys, starts IPFS, connects to
 * the chain, builds the trainers, starts the compute engine and serves the API.
 *
 * @example
 * const node = await startVaultNode(readVaultConfigFromEnv())
 * console.log(node.url)
 */
export async function startVaultNode(
  config: VaultConfig,
  {
    logger = createLogger({ level: config.logLevel }),
    extraTrainers = [],
  }: {
    logger?: Logger
    /** Trainers the operator installs beside the built-in ones. */
    extraTrainers?: readonly TrainerDefinition[]
  } = {},
): Promise<VaultNode> {
  const log = logger.child({ component: 'vault:node' })
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
  const db = openDatabase(join(config.dataDir, 'vault.sqlite'))
  const cleanups: (() => Promise<void> | void)[] = [() => db.close()]
  let stopping: Promise<void> | undefined
  const stopAll = () =>
    (stopping ??= (async () => {
      // Every clean-up runs even if one fails; a failure is logged (a store not closed, a runner
      // not stopped), not hidden.
      for (const cleanup of cleanups.reverse())
        await Promise.resolve()
          .then(cleanup)
          .catch((error: unknown) => log.warn({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'a clean-up step failed while stopping'))
    })())
  try {
    const identity = await loadNodeIdentity(join(config.dataDir, 'keys', 'node.json'))
    const storage = await heliaStorage({ dir: join(config.dataDir, 'ipfs'), logger: logger.child({ component: 'vault:ipfs' }) })
    cleanups.push(() => storage.stop())
    const chain = await connectChain({ rpcUrl: config.rpcUrl, chainId: config.chainId, addressesFile: config.addressesFile, node: identity.account.address })
    const trainers = await createTrainerCatalog({ dir: join(config.dataDir, 'trainers'), trainers: [...builtinTrainers, ...homomorphicTrainers, ...extraTrainers] })
    const datasets = datasetStore({ db })
    const jobs = sqliteJobStore({ db })
    const algorithms = await algorithmStore({ db, dir: join(config.dataDir, 'algorithms') })
    const programs = programResolver({ trainers, algorithms })
    const privacy = vaultPrivacy({ ledger: privacyLedger({ db }), datasets, programs })
    privacy.reconcile(jobs)
    const registry = keyRegistryReader({ client: chain.client, chainId: config.chainId, addresses: chain.addresses })
    const nonces = nonceStore({ db })
    const self = identity.account.address.toLowerCase() as `0x${string}`
    const keyHolders = config.keyHolders.length ? config.keyHolders : [self]
    // The node is a key holder like any other (the embedded default is 1 of 1: itself); as one it
    // also honours the owner's custom-algorithm approvals given to this node.
    const localHolder = keyHolder()({ db, identity, chain: registry, nonces, logger, approvals: algorithms })
    let keys: KeyService
    // The owner-signed escrow manifests (threshold backend): where HE results go to be decrypted.
    let thresholdManifest: ((datasetId: string) => KeyEscrowManifest | undefined) | undefined
    if (config.keyBackend === 'lit') {
      // Lit's packages load at the first key request; an unsupported chain fails here, at start-up.
      const lit = litKeyService({
        chainId: config.chainId,
        network: config.litNetwork,
        connectTimeoutMs: config.litConnectTimeoutMs,
        capacityDelegationAuthSig: config.litCapacityDelegationAuthSig,
      })({ db, identity, chain, logger, approvals: algorithms })
      cleanups.push(() => lit.disconnect())
      keys = lit
    } else {
      const threshold = thresholdKeyService({ chainId: config.chainId })({ db, identity, registry, localHolder, logger })
      thresholdManifest = threshold.manifest
      keys = threshold
    }
    const resultsDir = join(config.dataDir, 'results')
    await mkdir(resultsDir, { recursive: true, mode: 0o700 })

    const pools = poolReader({ client: chain.client })
    // A job whose key release fails only because the chain or a key holder is out of reach waits
    // and retries with backoff (up to 5 minutes) instead of failing; a refusal fails at once.
    const patientKeys: Pick<KeyService, 'requestKey'> = {
      requestKey: (request) =>
        requestKeyWithRetry(keys, {
          ...request,
          onRetry: ({ attempt, delayMs, error }) =>
            log.warn({ jobId: request.job.id, attempt, delayMs, code: (error as { code?: string }).code }, 'key release waits for the chain or a key holder'),
        }),
    }
    const inputs = datasetInputs({ maxJobWallTimeSeconds: config.maxJobWallTimeSeconds, maxJobMemoryMb: config.maxJobMemoryMb })({
      datasets,
      keys: patientKeys,
      storage,
      pools,
      // Homomorphic jobs: the HE bundle is opened (checked, nothing decrypted); results go to the
      // decrypting key holder, never a key to this node.
      he: heJobInputs(config)({ datasets, storage, identity, registry, escrow: (id) => thresholdManifest?.(id), logger }),
    })

    const pytorch = config.environments?.every((environment) => environment.runtime !== 'pytorch' || environment.runner !== 'sandbox') ? false : await sandboxHasPytorch()
    const declared = config.environments ?? defaultEnvironments({ memoryMb: config.maxJobMemoryMb, pytorch })
    // The sandbox stages /out outside the data dir (job uids must reach it; the data dir is 0700),
    // on tmpfs where there is one: a hostile program's outputs may hold data. A node whose
    // environments all run on Kubernetes needs no sandbox (its image has no bubblewrap).
    const shm = await isTmpfs('/dev/shm')
    const sandbox = declared.some((environment) => environment.runner === 'sandbox')
      ? bubblewrapRunner({ workDir: shm ? '/dev/shm/datavault-sandbox' : undefined, prestartPerKind: config.sandboxPrestart })({ logger })
      : undefined
    // Sandboxes started ahead (one per environment and built-in trainer) end with the node, after the engine.
    if (sandbox) cleanups.push(() => sandbox.stop())
    // Kubernetes: Jobs in one namespace, fed and emptied through the node's job gateway.
    const kubernetes = declared.some((environment) => environment.runner === 'kubernetes')
      ? kubernetesRunner({
          namespace: config.kubernetesNamespace,
          kubeConfig: config.kubernetesKubeconfig,
          // This node's objects are labelled with its address, so nodes can share a namespace.
          nodeId: identity.account.address.toLowerCase(),
          gateway: {
            host: config.kubernetesGatewayHost,
            port: config.kubernetesGatewayPort,
            url: config.kubernetesGatewayUrl as string,
            peer: config.kubernetesGatewayPods,
          },
          jobIoImage: config.kubernetesJobIoImage as string,
        })({ logger })
      : undefined
    if (kubernetes) cleanups.push(() => kubernetes.stop())
    const environments = environmentCatalog({ environments: declared })({ runners: { sandbox, kubernetes }, sandboxHasPytorch: async () => pytorch })
    // Refuse to start (and so to accept paid jobs) when an environment cannot run here.
    await environments.ready()
    const workDir = await memoryWorkDir({ dataDir: config.dataDir, logger: log })
    cleanups.push(() => rm(workDir, { recursive: true, force: true }))
    // HE worker threads (one SEAL context each), started by the first homomorphic job.
    let heWorkers: Promise<HeWorkerPool> | undefined
    cleanups.push(async () => {
      if (heWorkers) await (await heWorkers).close()
    })
    const engine = computeEngine({
      workDir,
      resultsDir,
      chainId: config.chainId,
      concurrency: config.concurrency,
      prestartCeilings: { maxWallTimeSeconds: config.maxJobWallTimeSeconds, maxMemoryMb: config.maxJobMemoryMb },
    })({ store: jobs, environments, programs, inputs,
      // Sandboxes are started ahead for the built-in trainers only: their programs take a pre-started sandbox's job.
      trainers: { list: () => trainers.list().filter((entry) => builtinTrainers.includes(entry.definition)) }, privacy, account: identity.account, logger, heWorkers: () => (heWorkers ??= heWorkerPool()),
      // A program's stderr is sealed to its dataset owner's log key before it is stored (no plaintext at rest).
      ownerLogs: ownerLogSealer({ keys: ownerLogKeyStore({ db }), ownerOf: (id) => datasets.get(id)?.owner }) })
    // A member's owner lists the pool jobs that read their dataset, with the rows each read.
    engine.onChange(poolJobRows({ datasets }))
    engine.start()
    cleanups.push(() => engine.stop())
    // Jobs a previous process left on the cluster end with it: once the engine has failed them as
    // interrupted (above), their Jobs, Secrets and NetworkPolicies go.
    if (kubernetes) {
      const ended = (jobId: string) => {
        const job = jobs.get(jobId)
        return !job || job.state === 'finished' || job.state === 'failed'
      }
      const swept = await kubernetes.sweep(ended)
      if (swept.jobs + swept.secrets + swept.networkPolicies > 0) log.info(swept, 'deleted Kubernetes objects of jobs that ended')
      // Again every ten minutes: objects a failed clean-up left (the API down when a run ended) go too.
      const resweep = setInterval(() => {
        kubernetes
          .sweep(ended)
          .then((again) => {
            if (again.jobs + again.secrets + again.networkPolicies > 0) log.info(again, 'deleted Kubernetes objects of jobs that ended')
          })
          .catch((error: unknown) => log.warn({ err: { name: (error as Error)?.name, code: (error as { code?: unknown })?.code } }, 'Kubernetes sweep failed'))
      }, 10 * 60_000)
      resweep.unref()
      cleanups.push(() => clearInterval(resweep))
    }

    if (config.anchorReceipts) {
      const registry = chain.addresses.ReceiptRegistry
      if (!registry) throw new ConfigError('DATAVAULT_ANCHOR_RECEIPTS is on but the addresses file names no ReceiptRegistry.')
      const anchorer = receiptAnchorer({ db, account: identity.account, rpcUrl: config.rpcUrl, chainId: config.chainId, registry, logger })
      anchorer.resume((jobId) => jobReceipt(jobs.get(jobId)))
      engine.onChange((job) => {
        const receipt = job.state === 'finished' ? jobReceipt(job) : undefined
        if (receipt) anchorer.enqueue(job.id, receipt)
      })
      cleanups.push(() => anchorer.idle())
    }

    const quota = uploadQuota({
      perWalletPendingBytes: config.maxPendingUploadBytes,
      nodePendingBytes: config.maxNodePendingUploadBytes,
      maxUploadBytes: config.maxUploadBytes,
      perWalletPerHour: config.maxUploadsPerWalletPerHour,
    })({ db })
    // Chunks of unfinished sessions live beside the IPFS repo; a restart deletes them.
    const uploadSessions = await createUploadSessions({ dir: join(config.dataDir, 'upload-sessions') })({ storage, uploadQuota: quota, logger })
    cleanups.push(() => uploadSessions.stop())
    // Its thread starts on the first target ε a job asks for, and ends with the node.
    const calibrator = noiseCalibrator({ maxPending: config.maxPendingCalibrations })
    cleanups.push(() => calibrator.close())
    const components: ApiComponents & { engine: ComputeEngine } = {
      config,
      db,
      identity,
      storage,
      datasets,
      keys,
      chain,
      nonces,
      registry,
      pools,
      jobs,
      uploadQuota: quota,
      uploadSessions,
      jobQuota: jobQuota({ nodeWaiting: config.maxWaitingJobs, perWalletWaiting: config.maxWaitingJobsPerWallet, perWalletPerHour: config.maxJobsPerWalletPerHour })({ db }),
      engine,
      trainers,
      algorithms,
      // The program runtimes some environment runs (each checked by environments.ready()).
      runtimes: async () => [...new Set(environments.list().map((environment) => (environment.runtime === 'node' ? 'node' : 'python') as 'node' | 'python'))],
      environments,
      privacy,
      calibrator,
      resultsDir,
      logger,
    }
    const app = createApp(components, { holder: localHolder, registry: registry.registry, keyEscrow: { backend: keys.backend, threshold: config.keyThreshold, holders: keyHolders } })
    const server: Server = await new Promise((resolve, reject) => {
      const listening = app.listen(config.port, config.host, () => resolve(listening))
      listening.once('error', reject)
    })
    // Large ciphertext uploads may take long as a whole, but a connection that sends nothing for
    // a minute is closed, so a stalled body cannot hold a socket and an IPFS add forever.
    server.requestTimeout = 0
    server.headersTimeout = 30_000
    server.timeout = 60_000
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    )
    const { port } = server.address() as AddressInfo
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
    // Holders release shares only to jobs whose tickets a registered compute node signed.
    await ensureRegistered({
      client: chain.client,
      rpcUrl: config.rpcUrl,
      chainId: config.chainId,
      registry: registry.registry,
      identity,
      url: config.publicUrl ?? url,
      as: keyHolders.includes(self) ? ['compute-node', 'key-holder'] : ['compute-node'],
    })
    const sweep = setInterval(() => {
      localHolder.sweepRevoked().catch((error: unknown) => log.warn({ err: { name: (error as Error).name } }, 'revocation sweep failed'))
    }, 10_000)
    sweep.unref()
    cleanups.push(() => clearInterval(sweep))
    log.info(
      {
        url,
        address: identity.account.address,
        trainers: trainers.list().map((t) => t.definition.id),
        environments: environments.list().map((environment) => `${environment.name}:${environment.runtime}@${environment.runner}`),
      },
      'vault node ready',
    )
    return { url, address: identity.account.address, workDir, components, stop: stopAll }
  } catch (error) {
    await stopAll()
    throw error
  }
}
