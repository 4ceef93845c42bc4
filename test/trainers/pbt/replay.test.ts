import { describe, expect, it } from "vitest";
import type { PbtHyperparameters } from "../../../src/config/pbt-settings-types.js";
import { parseLineageLog, type LineageEvent } from "../../../src/trainers/pbt/lineage-log.js";
import { replaySchedule } from "../../../src/trainers/pbt/replay.js";

const t = "2026-12-06T17:00:00.000Z";
const init = (behavior: string, member: number, hp: PbtHyperparameters): LineageEvent => ({
  time: t, kind: "init", behavior, member, step: 0, source: null, score: { member: null, source: null }, old: null, new: hp,
});
const exploit = (behavior: string, member: number, step: number, source: number, old: PbtHyperparameters, hp: PbtHyperparameters): LineageEvent => ({
  time: t, kind: "exploit", behavior, member, step, source, score: { member: 1, source: 2 }, old, new: hp,
});

// A hand-made log of 3 members (lr only), as the run would write it, read back through the parser.
const text = [
  init("3DBall", 0, { lr: 1 }),
  init("3DBall", 1, { lr: 2 }),
  init("3DBall", 2, { lr: 3 }),
  init("Other", 0, { lr: 50 }),
  exploit("3DBall", 0, 100, 1, { lr: 1 }, { lr: 2.4 }), // 0 copies 1
  exploit("3DBall", 1, 150, 2, { lr: 2 }, { lr: 3.6 }), // 1 copies 2
  { ...init("3DBall", 2, { lr: 3 }), kind: "failed" as const, step: 180, new: { lr: 3 } },
  exploit("3DBall", 2, 200, 0, { lr: 3 }, { lr: 2.88 }), // 2 copies 0 (whose past is 1's)
  exploit("3DBall", 1, 300, 2, { lr: 3.6 }, { lr: 3.456 }), // 1 copies 2
]
  .map((e) => JSON.stringify(e) + "\n")
  .join("");
const { events } = parseLineageLog(text);

describe("replaySchedule", () => {
  it("gives a member that never exploited its initial hyperparameters", () => {
    expect(replaySchedule(events, "Other", 0)).toEqual([{ fromStep: 0, hyperparameters: { lr: 50 } }]);
  });

  it("follows one exploit back to the source's history", () => {
    expect(replaySchedule(events, "3DBall", 0)).toEqual([
      { fromStep: 0, hyperparameters: { lr: 2 } },
      { fromStep: 100, hyperparameters: { lr: 2.4 } },
    ]);
  });

  it("follows chains of ancestors, ignoring failed events", () => {
    // 2 copied 0 at 200; 0 copied 1 at 100; before that 1 ran its initial lr 2.
    expect(replaySchedule(events, "3DBall", 2)).toEqual([
      { fromStep: 0, hyperparameters: { lr: 2 } },
      { fromStep: 100, hyperparameters: { lr: 2.4 } },
      { fromStep: 200, hyperparameters: { lr: 2.88 } },
    ]);
    // 1's last copy (from 2 at 300) replaces its own earlier history entirely.
    expect(replaySchedule(events, "3DBall", 1)).toEqual([
      { fromStep: 0, hyperparameters: { lr: 2 } },
      { fromStep: 100, hyperparameters: { lr: 2.4 } },
      { fromStep: 200, hyperparameters: { lr: 2.88 } },
      { fromStep: 300, hyperparameters: { lr: 3.456 } },
    ]);
  });

  it("uses only the source's events before the copy, cut at the copy's step", () => {
    const log = [
      init("B", 0, { x: 1 }),
      init("B", 1, { x: 2 }),
      exploit("B", 1, 130, 0, { x: 2 }, { x: 1.2 }), // 1 copies 0 at its step 130
      exploit("B", 0, 120, 1, { x: 1 }, { x: 1.44 }), // 0 copies 1 at its step 120 (clocks differ)
      exploit("B", 1, 400, 0, { x: 1.2 }, { x: 1.7 }), // a later event of the source does not leak back
    ];
    expect(replaySchedule(log, "B", 0)).toEqual([
      { fromStep: 0, hyperparameters: { x: 1 } },
      { fromStep: 120, hyperparameters: { x: 1.44 } },
    ]);
  });

  it("refuses a member without an init event", () => {
    expect(() => replaySchedule(events, "3DBall", 7)).toThrow(/no init event for member 7 of behavior 3DBall/);
  });
});
