import { type FSWatcher, watch } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/**
 * A waiter's sleep that ends early when a file of its key changes in the cache folder (the
 * holder's entry lands, its lock goes): inotify, so 200 waiters on a 2-core node wake at once
 * when the answer is there instead of polling for it, and leave the CPU to the one exec that
 * fetches. Where the folder cannot be watched (NFS, no inotify), the sleep is a plain timeout,
 * and the caller's polling still finds the answer.
 */
export interface Wake {
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  close(): void;
}

export function wakeOnChange(dir: string, key: string): Wake {
  let watcher: FSWatcher | undefined;
  let poke: (() => void) | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name === null || String(name).startsWith(key)) poke?.();
    });
    watcher.on("error", () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  return {
    async sleep(ms, signal) {
      const changed = new Promise<void>((resolve) => {
        poke = resolve;
      });
      // Resolves early, not rejects, when the exec's deadline passes: the caller checks it.
      await Promise.race([delay(ms, undefined, { signal }).catch(() => undefined), changed]);
      poke = undefined;
    },
    close() {
      watcher?.close();
    },
  };
}
