import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ARTIFACTS, capturedOutputs, exec } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";

// One driver for every golden pair in test/fixtures/wire/cases: request.json goes in on stdin,
// and stdout must equal response.json byte for byte (or, for failures, stdout must be empty and
// stderr must equal stderr.txt, with $CONFIGS standing for the configs folder).
const wire = fileURLToPath(new URL("../fixtures/wire/", import.meta.url));
const configs = join(wire, "configs");
const cases = readdirSync(join(wire, "cases")).sort();

describe.each(ARTIFACTS)("the $name on the kubelet's wire", ({ path }) => {
  it.each(cases)("answers %s as its golden files say", (name) => {
    const dir = join(wire, "cases", name);
    const { config } = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as {
      config: string;
    };
    const request = readFileSync(join(dir, "request.json"));
    const result = exec(path, ["--config", join(configs, config)], request);

    if (existsSync(join(dir, "response.json"))) {
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe(readFileSync(join(dir, "response.json"), "utf8"));
      expect(result.status).toBe(0);
    } else {
      const expected = readFileSync(join(dir, "stderr.txt"), "utf8").replaceAll(
        "$CONFIGS",
        configs,
      );
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(expected);
      expect(result.status).toBe(1);
    }
  });

  it.each(cases.filter((c) => existsSync(join(wire, "cases", c, "response.json"))))(
    "answers %s in the request's apiVersion with exactly the fields the kubelet knows",
    (name) => {
      const dir = join(wire, "cases", name);
      const { config } = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as {
        config: string;
      };
      const requestBytes = readFileSync(join(dir, "request.json"));
      const request = JSON.parse(requestBytes.toString("utf8"));
      // The program's own output, not the golden file: a golden file edited to match a bug would
      // otherwise pass this check too.
      const result = exec(path, ["--config", join(configs, config)], requestBytes);
      expect(result.status).toBe(0);
      const response = JSON.parse(result.stdout);
      expect(response.apiVersion).toBe(request.apiVersion);
      expect(Object.keys(response)).toEqual([
        "kind",
        "apiVersion",
        "cacheKeyType",
        "cacheDuration",
        "auth",
      ]);
      expect(response.cacheDuration).toMatch(/^(\d+h)?(\d+m)?\d+(\.\d+)?s$/);
      for (const entry of Object.values(response.auth)) {
        expect(Object.keys(entry as object).sort()).toEqual(["password", "username"]);
      }
    },
  );
});

afterAll(() => expectNoLeaks(capturedOutputs()));
