import nodeCrypto from "node:crypto";
import { startupSnapshot } from "node:v8";
// Everything an exec may need, loaded at build time: the config compiler (YAML, zod), every
// source with its SDK, the node-local cache, metrics and logs. Only the installer and doctor,
// which are for humans, stay compiled on use (scripts/build.mjs, SNAPSHOT_LAZY_MODULES).
import "./config/compile.js";
import "./commands/observe.js";
import "./commands/cache.js";
import "./sources/aws-secrets-manager/source.js";
import "./sources/docker-config/source.js";
import "./sources/static/source.js";
import "./sources/vault/source.js";
import { runProcess } from "./entry.js";
import { warmUp } from "./warm-up.js";

// The single executable's entry, run once by the embedded runtime at build time to make the
// V8 startup snapshot (`useSnapshot`); every exec then starts from the saved heap and runs
// runProcess(), which reads argv, env, stdin and the clock afresh. What a module captured from
// the environment while loading here would be the build machine's: modules read the
// environment when called (STYLE.md 5), `debug` is replaced by a silent logger at build, and
// test/e2e/snapshot.test.ts sets each variable that matters only at run time.
startupSnapshot.setDeserializeMainFunction(runProcess);

// Node serves randomUUID() from a batch of random bytes kept in the heap, so a batch drawn at
// build time would be saved in the snapshot and replayed, the same UUIDs in the same order, by
// every exec on every node (the AWS SDK's invocation ids draw from it during the warm-up). Even
// unbatched, Node keeps the last UUID's 16 bytes in a buffer of its own, which the snapshot
// would save (different in every build). Every caller, node:crypto's and Web Crypto's alike,
// gets a version 4 UUID from 16 fresh bytes per call instead, in a Buffer freed after it.
type UUID = ReturnType<typeof nodeCrypto.randomUUID>;
const freshRandomUUID = (): UUID => {
  const bytes = nodeCrypto.randomBytes(16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x40, 6); // version 4
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8); // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
Object.defineProperty(nodeCrypto, "randomUUID", { value: freshRandomUUID, writable: true });
Object.defineProperty(globalThis.crypto, "randomUUID", { value: freshRandomUUID, writable: true });

warmUp().catch((err: unknown) => {
  process.stderr.write(`snapshot warm-up failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
