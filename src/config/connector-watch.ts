import { existsSync, watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import type { Connector } from '../kit/index.js'
import { describeLoadProblem, loadConnectorSources } from './connector-files.js'
import type { ConnectorSources } from './connector-files.js'

export interface ConnectorWatcher {
  close(): void
}

interface WatchOptions {
  /** Called with every connector of the sources after each change that loaded. */
  onLoad: (connectors: Connector[]) => void
  warn: (message: string) => void
  /** How long to wait for a burst of writes to end before reloading (ms). */
  debounceMs?: number
  /** How often to look for a connectors directory that does not exist yet (ms). */
  pollMs?: number
}

/**
 * Reloads the connector sources when a file in the connectors directory or the config file
 * changes, so `patchbay connectors add` reaches a running server without a restart. A directory
 * that does not exist yet is looked for until it does.
 */
export function watchConnectorSources(sources: ConnectorSources, options: WatchOptions): ConnectorWatcher {
  const debounceMs = options.debounceMs ?? 200
  const watchers: FSWatcher[] = []
  let timer: NodeJS.Timeout | undefined
  let poll: NodeJS.Timeout | undefined
  let closed = false
  let running: Promise<void> = Promise.resolve()

  const reload = () => {
    running = running.then(async () => {
      if (closed) return
      try {
        const loaded = await loadConnectorSources(sources)
        for (const problem of loaded.problems) options.warn(describeLoadProblem(problem))
        options.onLoad(loaded.connectors)
      } catch (error) {
        options.warn(`connectors not reloaded: ${error instanceof Error ? error.message : String(error)}`)
      }
    })
  }
  const schedule = () => {
    clearTimeout(timer)
    timer = setTimeout(reload, debounceMs)
  }
  const watchPath = (path: string) => {
    try {
      const watcher = watch(path, schedule)
      watcher.on('error', () => watcher.close())
      watchers.push(watcher)
    } catch (error) {
      options.warn(`cannot watch ${path}: ${(error as Error).message}`)
    }
  }

  if (existsSync(sources.dir)) watchPath(sources.dir)
  else {
    poll = setInterval(() => {
      if (!existsSync(sources.dir)) return
      clearInterval(poll)
      watchPath(sources.dir)
      schedule()
    }, options.pollMs ?? 1000)
    poll.unref()
  }
  if (sources.configFile !== null) watchPath(sources.configFile)

  return {
    close() {
      closed = true
      clearTimeout(timer)
      clearInterval(poll)
      for (const watcher of watchers) watcher.close()
    },
  }
}
