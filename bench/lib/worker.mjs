import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Runs a bench/lib worker script in its own process with a JSON spec; resolves its JSON output. */
export function runWorker(script, spec) {
  const path = fileURLToPath(new URL(script, import.meta.url))
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [path, JSON.stringify(spec)],
      { maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${script} failed: ${stderr || error.message}`))
        resolve(JSON.parse(stdout))
      },
    )
    // Progress lines go straight to the terminal.
    child.stderr?.on('data', (chunk) => process.stderr.write(chunk))
  })
}
