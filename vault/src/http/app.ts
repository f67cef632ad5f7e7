import Koa from 'koa'
import type { ApiComponents } from './components.ts'
import { errorHandler } from './middleware/error-handler.ts'
import { requestId } from './middleware/request-id.ts'
import { datasetRoutes } from './routes/datasets.ts'
import { algorithmRoutes } from './routes/algorithms.ts'
import { jobRoutes } from './routes/jobs.ts'
import { nodeRoutes } from './routes/node.ts'
import { uploadRoutes } from './routes/uploads.ts'
import type { VaultState } from './state.ts'

/** The vault's HTTP API as a Koa app. */
export function createApp(components: ApiComponents): Koa<VaultState> {
  const app = new Koa<VaultState>({ proxy: false })
  // Errors are answered by errorHandler; Koa's default handler would print stacks.
  app.silent = true
  app.use(requestId({ logger: components.logger.child({ component: 'vault:http' }) }))
  app.use(errorHandler())
  const routers = [nodeRoutes(components), uploadRoutes(components), algorithmRoutes(components), datasetRoutes(components), jobRoutes(components)]
  for (const router of routers) {
    app.use(router.routes())
    app.use(router.allowedMethods())
  }
  return app
}
