// The container build files under deploy/docker, checked for their structure. No container engine
// runs on these machines, so the images are never built here: this test reads each Dockerfile and
// checks what makes it safe to build and run (a base pinned by digest or a required build argument
// that the build refuses without one, a non-root numeric user, no ADD from a URL, an exec-form
// entrypoint, sources that exist).
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const dockerDir = join(root, 'deploy/docker')
const digestPinned = /^[^@\s]+@sha256:[0-9a-f]{64}$/

type Instruction = { keyword: string; value: string }

/** The instructions of a Dockerfile: comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Instruction[] {
  const lines: string[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue
    const line = pending ? `${pending} ${raw.trim()}` : raw.trim()
    if (line.endsWith('\\')) {
      pending = line.slice(0, -1).trim()
      continue
    }
    pending = ''
    if (line) lines.push(line)
  }
  return lines.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/)
    return { keyword: keyword.toUpperCase(), value: rest.join(' ') }
  })
}

/** What is wrong with a Dockerfile, as sentences; empty when nothing is. */
function dockerfileProblems(text: string, { exists = (_path: string) => true }: { exists?: (path: string) => boolean } = {}): string[] {
  const problems: string[] = []
  const instructions = parseDockerfile(text)
  const firstFrom = instructions.findIndex((instruction) => instruction.keyword === 'FROM')
  if (firstFrom === -1) return ['no FROM']
  // Build arguments declared before the first FROM (usable in FROM), and whether each has a default.
  const globalArgs = new Map<string, string | undefined>()
  for (const { keyword, value } of instructions.slice(0, firstFrom)) {
    if (keyword !== 'ARG') continue
    const [name = '', defaultValue] = value.split('=')
    globalArgs.set(name, defaultValue)
  }
  const stages: { from: string; alias?: string; body: Instruction[] }[] = []
  for (const instruction of instructions.slice(firstFrom)) {
    if (instruction.keyword === 'FROM') {
      const [from = '', as, alias] = instruction.value.split(/\s+/).filter((part) => !part.startsWith('--'))
      stages.push({ from, ...(as?.toUpperCase() === 'AS' && alias ? { alias } : {}), body: [] })
    } else stages.at(-1)?.body.push(instruction)
  }
  const aliases = new Set<string>()
  for (const stage of stages) {
    const arg = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(stage.from)?.[1]
    if (aliases.has(stage.from)) {
      // FROM an earlier stage of this file.
    } else if (arg !== undefined) {
      if (!globalArgs.has(arg)) problems.push(`FROM \${${arg}}: the argument is not declared before FROM`)
      else if (globalArgs.get(arg) !== undefined && !digestPinned.test(globalArgs.get(arg) ?? ''))
        problems.push(`FROM \${${arg}}: its default "${globalArgs.get(arg)}" is not pinned by digest`)
      // A required argument must be checked for a digest inside the stage (it is not pinned otherwise).
      const checked = stage.body.some((instruction) => instruction.keyword === 'RUN' && instruction.value.includes(`\${${arg}}`) && instruction.value.includes('@sha256:[0-9a-f]{64}'))
      const redeclared = stage.body.some((instruction) => instruction.keyword === 'ARG' && instruction.value.split('=')[0] === arg)
      if (globalArgs.get(arg) === undefined && !(checked && redeclared)) problems.push(`FROM \${${arg}}: the stage does not refuse a base that is not pinned by digest`)
    } else if (!digestPinned.test(stage.from)) problems.push(`FROM ${stage.from}: not pinned by digest`)
    if (stage.alias) aliases.add(stage.alias)
  }
  for (const { keyword, value } of instructions) {
    if (keyword === 'ADD' && /(^|\s)(https?|git|ssh):\/\//.test(value)) problems.push(`ADD from a URL: ${value}`)
    if (keyword === 'ADD') problems.push(`ADD (use COPY): ${value}`)
    if (keyword === 'COPY' && !value.includes('--from=')) {
      const parts = value.split(/\s+/).filter((part) => !part.startsWith('--'))
      for (const source of parts.slice(0, -1)) if (!exists(source)) problems.push(`COPY ${source}: no such path in the build context`)
    }
  }
  const last = stages.at(-1)
  const users = last?.body.filter((instruction) => instruction.keyword === 'USER') ?? []
  const user = users.at(-1)?.value
  if (user === undefined) problems.push('the final stage sets no USER (it would run as root)')
  else if (!/^[1-9][0-9]*(:[1-9][0-9]*)?$/.test(user)) problems.push(`USER ${user}: not a numeric non-root uid (Kubernetes' runAsNonRoot can only check a number)`)
  const entrypoint = last?.body.filter((instruction) => instruction.keyword === 'ENTRYPOINT').at(-1)?.value
  if (entrypoint === undefined) problems.push('no ENTRYPOINT')
  else {
    try {
      const parsed = JSON.parse(entrypoint) as unknown
      if (!Array.isArray(parsed) || parsed.length === 0) problems.push(`ENTRYPOINT ${entrypoint}: not an exec-form array`)
    } catch {
      problems.push(`ENTRYPOINT ${entrypoint}: shell form (signals would go to a shell, not the program)`)
    }
  }
  return problems
}

/** The entrypoint of a Dockerfile's final stage. */
function entrypointOf(text: string): string[] {
  const entrypoint = parseDockerfile(text).filter((instruction) => instruction.keyword === 'ENTRYPOINT').at(-1)?.value ?? '[]'
  return JSON.parse(entrypoint) as string[]
}

const dockerfiles = readdirSync(dockerDir).filter((name) => name.endsWith('.Dockerfile'))

describe('deploy/docker', () => {
  test('default: the node image and both trainer images are there', () => {
    expect(dockerfiles.sort()).toEqual(['node.Dockerfile', 'trainer-cpu.Dockerfile', 'trainer-cuda.Dockerfile'])
  })

  for (const name of dockerfiles) {
    test(`behavior: ${name} pins its base by digest, runs as a non-root uid, adds nothing from a URL, has an exec entrypoint`, () => {
      const text = readFileSync(join(dockerDir, name), 'utf8')
      // The node image's context is the repository root; the trainer images copy nothing.
      const exists = (path: string) => {
        try {
          return statSync(join(root, path)).isFile() || statSync(join(root, path)).isDirectory()
        } catch {
          return false
        }
      }
      expect(dockerfileProblems(text, { exists })).toEqual([])
    })
  }

  test('behavior: the node image starts `datavault node` from the launcher in the repository, and has the job-io program', () => {
    const text = readFileSync(join(dockerDir, 'node.Dockerfile'), 'utf8')
    const entrypoint = entrypointOf(text)
    expect(entrypoint).toEqual(['node', '/app/cli/bin/datavault.mjs', 'node'])
    expect(statSync(join(root, 'cli/bin/datavault.mjs')).isFile()).toBe(true)
    // The runner's job-io command runs from the compute-to-data sources copied into /app.
    expect(text).toMatch(/^COPY compute-to-data\/ compute-to-data\/$/m)
    expect(text).toMatch(/--omit=dev/)
    expect(text).toMatch(/^EXPOSE 8700 8701$/m)
  })

  test('behavior: the trainer images run python3 in isolated mode from /job', () => {
    for (const name of ['trainer-cpu.Dockerfile', 'trainer-cuda.Dockerfile']) {
      const text = readFileSync(join(dockerDir, name), 'utf8')
      expect(entrypointOf(text), name).toEqual(['python3', '-I', '-B'])
      expect(text, name).toMatch(/^WORKDIR \/job$/m)
      expect(text, name).toMatch(/import torch, functorch/)
    }
  })

  test('error: an unpinned base, a root user, an ADD from a URL and a shell entrypoint are each found', () => {
    expect(dockerfileProblems('FROM node:24-slim\nUSER 1000\nENTRYPOINT ["node"]\n')).toEqual(['FROM node:24-slim: not pinned by digest'])
    expect(dockerfileProblems('ARG BASE\nFROM ${BASE}\nUSER 1000\nENTRYPOINT ["node"]\n')).toEqual(['FROM ${BASE}: the stage does not refuse a base that is not pinned by digest'])
    expect(dockerfileProblems('ARG BASE=node:24\nFROM ${BASE}\nUSER 1000\nENTRYPOINT ["node"]\n')).toEqual(['FROM ${BASE}: its default "node:24" is not pinned by digest'])
    const pinned = `FROM node@sha256:${'a'.repeat(64)}\n`
    expect(dockerfileProblems(`${pinned}USER root\nENTRYPOINT ["node"]\n`)).toEqual(['USER root: not a numeric non-root uid (Kubernetes\' runAsNonRoot can only check a number)'])
    expect(dockerfileProblems(`${pinned}ENTRYPOINT ["node"]\n`)).toEqual(['the final stage sets no USER (it would run as root)'])
    expect(dockerfileProblems(`${pinned}ADD https://example.com/x.tgz /x\nUSER 1000\nENTRYPOINT node x\n`)).toEqual([
      'ADD from a URL: https://example.com/x.tgz /x',
      'ADD (use COPY): https://example.com/x.tgz /x',
      'ENTRYPOINT node x: shell form (signals would go to a shell, not the program)',
    ])
    expect(dockerfileProblems(`${pinned}COPY nowhere/ /x\nUSER 1000\nENTRYPOINT ["x"]\n`, { exists: () => false })).toEqual(['COPY nowhere/: no such path in the build context'])
  })
})
