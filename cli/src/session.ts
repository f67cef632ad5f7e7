// One command run's connections, built from the resolved settings on first use: the vault client,
// the chain, the wallet (a keystore key or a dev test account), and the SDK's client of all three.
import { readFile } from 'node:fs/promises'
import { type Chain, type LocalAccount, createPublicClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getChainId } from 'viem/actions'
import { type OceanAddresses, oceanAddressesSchema, parseOceanAddresses } from '@datavault/contracts/addresses'
import { type VaultClient, createVaultClient } from '@datavault/sdk'
import { rpcChain } from '@datavault/sdk'
import { type DataVaultBaseClient, createDataVaultBaseClient } from '@datavault/sdk'
import { type CliConfig, type Sourced, describeConfig, redactUrl } from './config.ts'
import { CliError, CliFileError, CliUsageError, CliWalletError, exitCodes } from './errors.ts'
import { decryptKeystore } from './keystore.ts'
import { listKeys, readKeyFile } from './keystore-files.ts'
import type { CliIo, Output } from './output.ts'
import { unlockPassword } from './secrets.ts'

/** The chain side of a session. */
export type SessionChain = {
  chainId: number
  rpcUrl: string
  chain: Chain
  /** This chain's Ocean addresses when configured; else the SDK asks the node (only publishing needs them). */
  addresses: OceanAddresses | undefined
}

/** Connections of one command run; everything is built on first use. */
export type Session = {
  config: CliConfig
  output: Output
  /** The vault node's client alone; signs requests with the wallet when `signed`. */
  vault(options?: { signed?: boolean }): Promise<VaultClient>
  /** The wallet's account (unlocks the key: may ask for its password). */
  account(): Promise<LocalAccount>
  chain(): Promise<SessionChain>
  /** The SDK's client of the node, the chain and (when `signed`) the wallet. */
  client(options?: { signed?: boolean }): Promise<DataVaultBaseClient>
}

/** Builds the session of one command run. */
export function createSession({ config, output, io, passwordEnv }: { config: CliConfig; output: Output; io: CliIo; passwordEnv?: string | undefined }): Session {
  for (const line of describeConfig(config)) output.debug(line)
  let account: Promise<LocalAccount> | undefined
  let chain: Promise<SessionChain> | undefined
  const vaults = new Map<boolean, VaultClient>()
  const clients = new Map<boolean, Promise<DataVaultBaseClient>>()

  const requireVaultUrl = (): string => {
    if (config.vaultUrl) return config.vaultUrl.value
    throw new CliUsageError('No vault URL: pass --vault-url, set DATAVAULT_VAULT_URL, put "vaultUrl" in config.json, or run `datavault dev` here.', {
      code: 'CONFIG_MISSING',
    })
  }

  const unlock = async (): Promise<LocalAccount> => {
    if (config.account) return devAccount(config, config.account, output)
    let name = config.key
    if (!name) {
      const keys = await listKeys(config.configDir.value)
      const only = keys.length === 1 ? keys[0] : undefined
      if (only) {
        name = { value: only.name, source: 'the only key in the keystore' }
        output.debug(`config: key           ${only.name}  (${name.source})`)
      } else if (keys.length === 0) {
        throw new CliWalletError('No wallet: the keystore is empty.', {
          code: 'NO_WALLET',
          details: config.dev
            ? 'Create a key with `datavault keys new` (or import one), or use the dev stack\'s test accounts with --account owner|buyer (test keys only).'
            : 'Create a key with `datavault keys new`, or import one with `datavault keys import`.',
        })
      } else {
        throw new CliWalletError(`Several keys in the keystore (${keys.map((k) => k.name).join(', ')}): pass --key NAME or set DATAVAULT_KEY.`, {
          code: 'NO_WALLET',
        })
      }
    }
    const { json } = await readKeyFile(config.configDir.value, name.value)
    const password = await unlockPassword(io, { passwordEnv, keyName: name.value })
    const privateKey = await decryptKeystore(json, password)
    return privateKeyToAccount(privateKey)
  }

  const connectChain = async (): Promise<SessionChain> => {
    if (!config.rpcUrl)
      throw new CliUsageError('No chain RPC URL: pass --rpc-url, set DATAVAULT_RPC_URL, put "rpcUrl" in config.json, or run `datavault dev` here.', {
        code: 'CONFIG_MISSING',
      })
    const rpcUrl = config.rpcUrl.value
    const transport = http(rpcUrl, { retryCount: 1 })
    let chainId = config.chainId?.value
    if (chainId === undefined) {
      chainId = await getChainId(createPublicClient({ transport })).catch((cause: unknown) => {
        // viem's long message names the URL, which may hold an API key: only its short one.
        const short = (cause as { shortMessage?: unknown }).shortMessage
        throw new CliError(`The RPC at ${redactUrl(rpcUrl)} did not answer eth_chainId.`, {
          code: 'CHAIN_UNREACHABLE',
          exitCode: exitCodes.failure,
          details: typeof short === 'string' ? short : undefined,
          cause,
        })
      })
      output.debug(`config: chain id      ${chainId}  (asked the RPC)`)
    }
    const chain = rpcChain({ chainId, rpcUrl, name: `chain ${chainId}` })
    const addresses = await oceanAddresses(config, chainId)
    return { chainId, rpcUrl, chain, addresses }
  }

  const session: Session = {
    config,
    output,
    async vault({ signed = false } = {}) {
      const url = requireVaultUrl()
      let client = vaults.get(signed)
      if (!client) {
        client = createVaultClient({ url, ...(signed ? { account: await session.account() } : {}) })
        vaults.set(signed, client)
      }
      return client
    },
    account() {
      account ??= unlock()
      return account
    },
    chain() {
      chain ??= connectChain()
      return chain
    },
    client({ signed = false } = {}) {
      let client = clients.get(signed)
      if (!client) {
        client = (async () => {
          const node = requireVaultUrl()
          const [{ chain, rpcUrl, addresses }, account] = await Promise.all([session.chain(), signed ? session.account() : undefined])
          return createDataVaultBaseClient({
            node,
            chain,
            transport: http(rpcUrl, { retryCount: 1 }),
            pollingInterval: 500,
            ...(account ? { account } : {}),
            ...(addresses ? { addresses } : {}),
          })
        })()
        clients.set(signed, client)
      }
      return client
    },
  }
  return session
}

function devAccount(config: CliConfig, role: Sourced<string>, output: Output): LocalAccount {
  const dev = config.dev
  if (!dev)
    throw new CliWalletError(`--account ${role.value} needs the dev stack's dev.json (none in ${config.devDir.value}); start \`datavault dev\` or pass --dev-dir.`, {
      code: 'NO_WALLET',
    })
  if (config.rpcUrl && config.rpcUrl.value !== dev.rpcUrl)
    throw new CliUsageError(`The dev stack's test accounts only work on its own chain (${dev.rpcUrl}), not on ${redactUrl(config.rpcUrl.value)}.`)
  const [base, index] = role.value.split('-') as [string, string | undefined]
  const found = dev.accounts.filter((candidate) => candidate.role === base)[index === undefined ? 0 : Number(index) - 1]
  if (!found) throw new CliWalletError(`The dev stack has no ${role.value} account.`, { code: 'NO_WALLET' })
  const signer = privateKeyToAccount(found.privateKey as `0x${string}`)
  output.warn(`using the dev stack's test account "${role.value}" (${signer.address}): a TEST KEY published in dev.json, never for real funds.`)
  return signer
}

async function oceanAddresses(config: CliConfig, chainId: number): Promise<OceanAddresses | undefined> {
  if (config.addressesFile) {
    const file = config.addressesFile.value
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (cause) {
      throw new CliFileError(file, cause)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new CliUsageError(`The addresses file ${file} is not JSON.`, { code: 'CONFIG_INVALID' })
    }
    return parseOceanAddresses(json, chainId)
  }
  if (config.devAddresses && config.dev) {
    if (config.dev.chainId !== chainId) throw new CliUsageError(`dev.json describes chain ${config.dev.chainId}, but the RPC is chain ${chainId}; pass --addresses-file.`)
    const parsed = oceanAddressesSchema.safeParse(config.devAddresses.value)
    if (!parsed.success) throw new CliUsageError(`The Ocean addresses in ${config.dev.file} are malformed.`, { code: 'CONFIG_INVALID' })
    return parsed.data
  }
  return undefined
}
