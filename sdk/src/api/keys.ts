/** The context a data key is sealed under: binds the sealed key to one dataset on one chain. */
export function dataKeyContext({ chainId, datasetId }: { chainId: number; datasetId: string }): string {
  return `datavault/dek/v1:${chainId}:${datasetId.toLowerCase()}`
}
