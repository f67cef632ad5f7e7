// Preloaded (`node --import`) into the Hardhat node child by `startLocalChain`: ends the chain
// when its parent goes away, however it went (crash, SIGKILL), so no chain outlives its owner.
// The parent holds the write end of our stdin; when it dies the kernel closes it and we read EOF.
// The ppid check is a second line for the case where stdin was handed to someone else.
const parentPid = process.ppid

process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()

setInterval(() => {
  if (process.ppid !== parentPid) process.exit(0)
}, 500).unref()
