import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * Where `@datavault/contracts` keeps its generated ABI modules (`src/abis/`, in the repository
 * `datatoken-contracts/src/abis/`). The devkit compiles and generates; the runtime package ships
 * the results, so that installing it pulls no Solidity toolchain.
 */
export const runtimeAbisDir: string = join(dirname(createRequire(import.meta.url).resolve('@datavault/contracts/package.json')), 'src', 'abis')
