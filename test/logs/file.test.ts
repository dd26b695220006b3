import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appendLogLine } from "../../provider/logs/file.js";

const dir = mkdtempSync(join(tmpdir(), "pullkey-logs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("appending to the exec log", () => {
  it("moves a full log to <file>.1 and starts a new one", async () => {
    const file = join(dir, "exec.log");
    for (const n of [1, 2, 3]) await appendLogLine(file, `line ${n}\n`, 14);
    expect(readFileSync(`${file}.1`, "utf8")).toBe("line 1\nline 2\n");
    expect(readFileSync(file, "utf8")).toBe("line 3\n");
  });

  it("fails, for the caller to swallow, when the folder does not exist", async () => {
    await expect(appendLogLine(join(dir, "missing", "exec.log"), "x\n")).rejects.toThrow();
  });
});
