import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendToJournald } from "../../provider/logs/journald.js";

/** A stand-in for journald's stream socket that keeps what each connection sent. */
const dir = mkdtempSync(join(tmpdir(), "pullkey-journald-"));
const socketPath = join(dir, "stdout");
const received: string[] = [];
/** Resolves with what the next connection sent, once it has closed: no sleep to wait for it. */
let nextStream: ((data: string) => void) | undefined;
let server: Server;

beforeAll(async () => {
  server = createServer((socket) => {
    let data = "";
    socket.on("data", (d) => {
      data += d;
    });
    socket.on("end", () => {
      received.push(data);
      nextStream?.(data);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("sending exec lines to journald", () => {
  it.each([
    { name: "a success at priority info", failed: false, prefix: "<6>" },
    { name: "a failure at priority err", failed: true, prefix: "<3>" },
  ])("sends $name after sd_journal_stream_fd's header", async ({ failed, prefix }) => {
    received.length = 0;
    const closed = new Promise<string>((resolve) => {
      nextStream = resolve;
    });
    await sendToJournald("level=info msg=answered\n", failed, socketPath);
    await closed;
    expect(received).toEqual([`pullkey\n\n6\n1\n0\n0\n0\n${prefix}level=info msg=answered\n`]);
  });

  it("fails, for the caller to swallow, when there is no journald", async () => {
    await expect(sendToJournald("x\n", false, join(dir, "absent"))).rejects.toThrow();
  });
});
