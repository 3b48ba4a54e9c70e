// Starts the yaolian binary (the release build, or the one YAOLIAN_BIN
// names) on a free port with a fresh SQLite database and the demo county,
// and stops it when the tests end.
import { spawn } from 'node:child_process'
import { mkdtempSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer } from 'node:net'

export const PASSWORD = 'e2e-demo-password'

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => ok(port))
    })
    s.on('error', fail)
  })
}

export default async function setup() {
  const bin = process.env.YAOLIAN_BIN ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../target/release/yaolian')
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: run \`cargo build --release --bin yaolian\` first`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'yaolian-e2e-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(
    bin,
    ['serve', '--demo', '--demo-password', PASSWORD, '--listen', `127.0.0.1:${port}`,
      '--database-url', `sqlite://${join(dir, 'e2e.db')}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  )
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`yaolian exited with ${child.exitCode}`)
    try {
      const r = await fetch(`${url}/readyz`)
      if (r.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('yaolian did not become ready in 60 s')
    await new Promise((r) => setTimeout(r, 200))
  }
  process.env.YAOLIAN_URL = url
  return async () => {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}
