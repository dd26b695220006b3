import { appendFile, rename, stat } from "node:fs/promises";

/** Past this size the log is moved to `<file>.1` (replacing the previous one) and restarted. */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;

/**
 * Appends one line. O_APPEND writes of one short line are not interleaved by concurrent execs;
 * two execs rotating at the same moment can lose a line, which a log may afford.
 */
export async function appendLogLine(
  file: string,
  line: string,
  maxBytes = MAX_LOG_BYTES,
): Promise<void> {
  const size = await stat(file).then(
    (info) => info.size,
    () => 0,
  );
  if (size + line.length > maxBytes) await rename(file, `${file}.1`).catch(() => undefined);
  await appendFile(file, line, { mode: 0o640 });
}
