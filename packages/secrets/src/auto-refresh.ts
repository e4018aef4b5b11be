import { watch, type FSWatcher } from 'node:fs'
import { Raw, Type, type Logger } from '@postern/core'

/** The `autoRefresh` property of FileSystemSecretStore and KeyStoreSecretStore. */
export function AutoRefresh() {
  return Type.Object(
    {
      enabled: Type.Boolean({ default: true, description: 'Reload when the files change.' }),
      executor: Type.Optional(
        Raw({ description: 'Accepted and unused: Node watches files on its event loop.' }),
      ),
    },
    {
      additionalProperties: false,
      description: 'Reload the store automatically when its files are edited or deleted.',
    },
  )
}

/**
 * Watches a file or directory and calls `changed` on every change; returns the function that
 * stops watching (the store calls it from its heaplet's destroy), or undefined when the path
 * cannot be watched. Node's fs.watch, not a polling executor.
 */
export function watchForChanges(
  path: string,
  logger: Logger,
  changed: () => void,
  fileName?: string,
): (() => void) | undefined {
  let watcher: FSWatcher
  try {
    // A file is watched through its directory: editors and keytool replace it by a rename.
    watcher = watch(path, { persistent: false }, (_event, name) => {
      if (fileName === undefined || name === null || name === fileName) changed()
    })
  } catch (err) {
    logger.warn({ err, path }, 'autoRefresh disabled: cannot watch the path')
    return undefined
  }
  watcher.on('error', (err) => logger.warn({ err, path }, 'autoRefresh watcher failed'))
  return () => watcher.close()
}
