/**
 * The logger this package accepts: the pino-style `(fields, message)` subset, so a pino child
 * logger (`logger.child({ component: 'contracts:local-chain' })`) fits as is.
 */
export type Logger = {
  debug(fields: object, message?: string): void
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
}
