import { pino } from 'pino'

/** The logger every component gets a child of. */
export type Logger = pino.Logger

/**
 * Creates the node's logger. Headers that carry signatures and any `body`, `key` or `plaintext`
 * field are redacted as a second line of defence; components never pass them in the first place.
 */
export function createLogger({ level = 'info', destination }: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-datavault-signature"]', '*.body', '*.key', '*.privateKey', '*.plaintext', '*.sealedKey'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination(2),
  )
}
