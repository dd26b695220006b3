// Every peer is built in a temp folder beside its cache folder and renamed into place when
// complete, so a killed build never leaves a half-made peer that a later run would trust.
import { existsSync, renameSync, rmSync } from "node:fs";

/** Moves the finished build `tmp` to `dir`; when another process got there first, keeps theirs. */
export function publishBuild(tmp, dir, binary) {
  try {
    renameSync(tmp, dir);
  } catch (error) {
    // Another process finished the same build first; its binary is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
}
