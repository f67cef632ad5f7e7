// How a command talks: results on stdout (one JSON document with --json; plain lines otherwise,
// tables aligned only on a terminal), notes and progress on stderr (bars redrawn in place on a
// terminal, a few plain lines otherwise, nothing but warnings with --json off a terminal).

/** The process streams and environment a command runs with (injected, so nothing reads globals). */
export type CliIo = {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: Record<string, string | undefined>
  cwd: string
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal
}

/** A progress display; `done()` clears a bar or prints the last line. */
export type Progress = { update(done: number, total?: number): void; done(summary?: string): void }

/** What `--json` and `--verbose` make of a command's output. */
export type OutputMode = { json: boolean; verbose: boolean }

/** Formats bytes as `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = -1
  do {
    value /= 1024
    unit++
  } while (value >= 1024 && unit < units.length - 1)
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** The writer of one command run. */
export class Output {
  readonly json: boolean
  readonly verbose: boolean
  readonly io: CliIo
  #bar = false

  constructor(io: CliIo, { json, verbose }: OutputMode) {
    this.io = io
    this.json = json
    this.verbose = verbose
  }

  /** Whether stderr is a terminal (progress bars, prompts). */
  get interactive(): boolean {
    return this.io.stderr.isTTY === true
  }

  /** Prints the result: the JSON document with --json, else the lines. */
  result(document: unknown, lines: string[] | (() => string[])): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(document, jsonReplacer, 2)}\n`)
    else for (const line of typeof lines === 'function' ? lines() : lines) this.io.stdout.write(`${line}\n`)
  }

  /** A table: aligned columns on a terminal, tab-separated lines otherwise (for `cut`/`awk`). */
  table(header: string[], rows: string[][]): string[] {
    if (this.io.stdout.isTTY !== true) return rows.map((row) => row.join('\t'))
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)))
    const format = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')
    return [format(header), ...rows.map(format)]
  }

  /** A note for people on stderr (a step done, a hint); silent with --json. */
  note(text: string): void {
    if (this.json) return
    this.#clearBar()
    this.io.stderr.write(`${text}\n`)
  }

  /** A warning on stderr, always shown. */
  warn(text: string): void {
    this.#clearBar()
    this.io.stderr.write(`datavault: warning: ${text}\n`)
  }

  /** A `--verbose` line on stderr. */
  debug(text: string): void {
    if (!this.verbose) return
    this.#clearBar()
    this.io.stderr.write(`${text}\n`)
  }

  /**
   * A progress display on stderr. On a terminal a bar redrawn in place; otherwise (without
   * --json) a plain line at each tenth of the way; with --json off a terminal, nothing.
   */
  progress(label: string, { unit }: { unit: 'bytes' | 'epochs' }): Progress {
    const show = (value: number) => (unit === 'bytes' ? formatBytes(value) : String(value))
    let lastTenth = -1
    let lastDraw = 0
    let finished = false
    const stderr = this.io.stderr
    if (this.interactive) {
      return {
        update: (done, total) => {
          if (finished) return
          const now = Date.now()
          if (now - lastDraw < 80 && done !== total) return
          lastDraw = now
          const width = 24
          const fraction = total ? Math.min(1, done / total) : 0
          const filled = Math.round(fraction * width)
          const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ` : ''
          stderr.write(`\r\x1b[2K${label} ${bar}${show(done)}${total ? ` / ${show(total)}` : ''}`)
          this.#bar = true
        },
        done: (summary) => {
          if (finished) return
          finished = true
          this.#clearBar()
          if (summary && !this.json) stderr.write(`${label} ${summary}\n`)
        },
      }
    }
    if (this.json) return { update: () => {}, done: () => {} }
    return {
      update: (done, total) => {
        if (finished || !total) return
        const tenth = Math.floor((10 * Math.min(done, total)) / total)
        if (tenth === lastTenth) return
        lastTenth = tenth
        stderr.write(`${label} ${tenth * 10}% (${show(done)} / ${show(total)})\n`)
      },
      done: (summary) => {
        if (finished) return
        finished = true
        if (summary) stderr.write(`${label} ${summary}\n`)
      },
    }
  }

  #clearBar(): void {
    if (!this.#bar) return
    this.io.stderr.write('\r\x1b[2K')
    this.#bar = false
  }
}

/** JSON for results: bigints as decimal strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
