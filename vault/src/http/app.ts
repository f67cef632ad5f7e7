import Koa from 'koa'
import type { ApiComponents } from './components.ts'
import { errorHandler } from './middleware/error-handler.ts'
import { requestId } from './middleware/request-id.ts'
import { datasetRoutes } from './routes/datasets.ts'
import { algorithmRoutes } from './routes/algorithms.ts'
import { jobRoutes } from './routes/jobs.ts'
import { ownerLogRoutes } from './routes/owner-log.ts'
import { datasetFingerprintRoutes } from './routes/dataset-fingerprints.ts'
import { nodeRoutes } from './routes/node.ts'
import { uploadRoutes } from './routes/uploads.ts'
import { uploadSessionRoutes } from './routes/upload-sessions.ts'
import type { VaultState } from './state.ts'
import type { KeyHolder } from '../keyholder/key-holder.ts'
import { keyHolderRoutes } from '../keyholder/holder-routes.ts'

/** The vault's HTTP API as a Koa app. */
export function createApp(
  components: ApiComponents,
  {
    holder,
    registry,
    keyEscrow,
  }: {
    /** The node's own key holder: its routes are served under `/v1/holder`. */
    holder: KeyHolder
    registry: `0x${string}`
    /** What `GET /v1/node` tells owners about key escrow. */
    keyEscrow: { backend: string; threshold: number; holders: `0x${string}`[] }
  },
): Koa<VaultState> {
  const app = new Koa<VaultState>({ proxy: false })
  // Errors are answered by errorHandler; Koa's default handler would print stacks.
  app.silent = true
  app.use(requestId({ logger: components.logger.child({ component: 'vault:http' }) }))
  app.use(errorHandler())
  const routers = [
    nodeRoutes({ ...components, keyEscrow }),
    keyHolderRoutes({ holder, chainId: components.config.chainId, registry, nonces: components.nonces }),
    uploadRoutes(components), uploadSessionRoutes(components), algorithmRoutes(components), datasetRoutes(components), jobRoutes(components), ownerLogRoutes(components), datasetFingerprintRoutes(components)]
  for (const router of routers) {
    app.use(router.routes())
    app.use(router.allowedMethods())
  }
  return app
}
