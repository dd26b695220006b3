import { constants } from "node:fs";
import { type FileHandle, open, rename } from "node:fs/promises";

/** Past this size the log is moved to `<file>.1` (replacing the previous one) and restarted. */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;

/**
 * Appends one line. O_APPEND writes of one short line are not interleaved by concurrent execs;
 * two execs rotating at the same moment can lose a line, which a log may afford. Only a regular
 * file is written: anything else at the path fails with a message for the caller's warning.
 */
export async function appendLogLine(
  file: string,
  line: string,
  maxBytes = MAX_LOG_BYTES,
): Promise<void> {
  let handle = await openLog(file);
  try {
    const { size } = await handle.stat();
    if (size + line.length > maxBytes) {
      await handle.close();
      await rename(file, `${file}.1`).catch(() => undefined);
      handle = await openLog(file);
    }
    await handle.write(line);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Opens the log for appending, with O_NONBLOCK: opening a FIFO for writing otherwise blocks until
 * a reader comes, in a libuv thread that no deadline can stop and that keeps the process from
 * exiting. With it, a FIFO without a reader fails at once (ENXIO), and one with a reader, a
 * device or a folder is refused by the file type check.
 */
async function openLog(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK,
      0o640,
    );
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ENXIO") throw notAFile("a FIFO or device with no reader");
    if (code === "EISDIR") throw notAFile("a directory");
    throw err;
  }
  const info = await handle.stat().catch(async (err: unknown) => {
    await handle.close();
    throw err;
  });
  if (!info.isFile()) {
    await handle.close();
    throw notAFile(
      info.isFIFO()
        ? "a FIFO"
        : info.isCharacterDevice() || info.isBlockDevice()
          ? "a device"
          : "a special file",
    );
  }
  return handle;
}

function notAFile(what: string): Error {
  return new Error(`is ${what}, not a regular file`);
}
