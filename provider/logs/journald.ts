import { connect } from "node:net";

/** journald's stream socket: what systemd connects a service's stdout to. */
export const JOURNALD_STREAM = "/run/systemd/journal/stdout";

/**
 * The stream header sd_journal_stream_fd() sends (systemd journal-send.c): identifier, unit id
 * (empty), default priority 6 (info), level prefix on (so a `<3>` line is an error), no
 * forwarding to syslog, kmsg or the console.
 */
export function journaldHeader(identifier: string): string {
  return `${identifier}\n\n6\n1\n0\n0\n0\n`;
}

/**
 * Sends one line to the journal as `pullkey` (`journalctl -t pullkey`), priority err for
 * failures and info otherwise. Gives up after `timeoutMs`: a wedged journald never holds an exec.
 */
export function sendToJournald(
  line: string,
  failed: boolean,
  socketPath = JOURNALD_STREAM,
  timeoutMs = 500,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("journald did not accept the line in time"));
    }, timeoutMs);
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once("connect", () => {
      socket.end(`${journaldHeader("pullkey")}${failed ? "<3>" : "<6>"}${line}`, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  });
}
