import { describe, expect, it } from "vitest";
import { ExecBudget } from "../../../provider/core/deadline.js";

// The exec budget on a fixed clock: counted from the start, with a last chance for a start
// that spent it, and a ceiling no last chance passes.
const EXTEND = { lastChanceMs: 5_000, ceilingMs: 55_000 };

describe("the exec budget", () => {
  it.each([
    { name: "a quick start keeps the whole budget", now: 200, limit: 20_000, left: 19_800 },
    { name: "a slow start uses up part of it", now: 12_000, limit: 20_000, left: 8_000 },
    { name: "a start that spent it gets the last chance", now: 25_000, limit: 20_000, left: 5_000 },
    {
      name: "less than the last chance left is raised to it",
      now: 17_000,
      limit: 20_000,
      left: 5_000,
    },
    { name: "the last chance stops at the ceiling", now: 53_000, limit: 20_000, left: 2_000 },
    { name: "past the ceiling nothing is left", now: 56_000, limit: 20_000, left: 0 },
  ])("$name", ({ now, limit, left }) => {
    let clock = 0;
    const budget = new ExecBudget(0, 50_000, () => clock);
    clock = now;
    budget.setLimit(limit, EXTEND);
    expect(budget.remainingMs()).toBe(left);
    expect(budget.signal.aborted).toBe(left === 0);
    expect(budget.limitMs).toBe(limit);
    budget.close();
  });

  it("aborts its signal when the time is up, and close() stops the timer", async () => {
    const budget = new ExecBudget(performance.now(), 20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(budget.signal.aborted).toBe(true);
    const closed = new ExecBudget(performance.now(), 20);
    closed.close();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(closed.signal.aborted).toBe(false);
  });
});
