// Run before the tests: fail early, with a fix, when the machine lacks what the suite needs.
import { spawnSync } from 'node:child_process'

const problems: string[] = []
const major = Number(process.versions.node.split('.')[0])
if (major < 24) problems.push(`Node ${process.version} is running; the project needs Node 24 (run through npm scripts after \`npm install\`).`)
const bwrap = spawnSync('bwrap', ['--version'], { encoding: 'utf8' })
if (bwrap.status !== 0) problems.push('bubblewrap is missing: `apt-get install -y bubblewrap`.')
const chromium = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' })
if (chromium.status !== 0) problems.push('Chromium is missing (the extension tests drive it): `apt-get install -y chromium`.')
const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch, functorch'], { encoding: 'utf8' })
if (torch.status !== 0) problems.push('PyTorch is missing (the torch-mlp trainer runs on it): `apt-get install -y python3-torch`.')
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
if (kubectl.status !== 0) problems.push('kubectl is missing (it renders deploy/kubernetes): `apt-get install -y kubernetes-client`.')
if (problems.length) {
  process.stderr.write(`${problems.join('\n')}\n`)
  process.exit(1)
}
