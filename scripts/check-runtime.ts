// Run before the tests: fail early, with a fix, when the machine lacks what the suite needs.
import { spawnSync } from 'node:child_process'

const problems: string[] = []
const major = Number(process.versions.node.split('.')[0])
if (major < 24) problems.push(`Node ${process.version} is running; the project needs Node 24 (run through npm scripts after \`npm install\`).`)
const bwrap = spawnSync('bwrap', ['--version'], { encoding: 'utf8' })
if (bwrap.status !== 0) problems.push('bubblewrap is missing: `apt-get install -y bubblewrap`.')
const chromium = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' })
if (chromium.status !== 0) problems.push('Chromium is missing (the extension tests drive it): `apt-get install -y chromium`.')
if (problems.length) {
  process.stderr.write(`${problems.join('\n')}\n`)
  process.exit(1)
}
