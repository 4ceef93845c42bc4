import { describe, expect, it } from "vitest";
import { currentHypers, hyperSchedules, type LineageEvent, toLineageEvent, valueAt } from "../../src/report/lineage.js";
import { POPULATION_BEHAVIOR, POPULATION_EVENTS } from "./helpers/synthetic-run.js";

const events: LineageEvent[] = POPULATION_EVENTS.map((e) => {
  const r = toLineageEvent({ time: "t", behavior: POPULATION_BEHAVIOR, ...e });
  if (typeof r === "string") throw new Error(r);
  return r;
});

function ev(kind: LineageEvent["kind"], member: number, step: number, source: number | null, next: Record<string, number>): LineageEvent {
  return { time: "", kind, behavior: "B", member, step, source, score: { member: null, source: null }, old: null, new: next };
}

describe("toLineageEvent", () => {
  const good = { time: "2026-12-06T12:00:00Z", kind: "exploit", behavior: "B", member: 1, step: 500, source: 0, score: { member: 1, source: 2 }, old: { lr: 1 }, new: { lr: 2 } };

  it("accepts a well-formed event", () => {
    expect(toLineageEvent(good)).toEqual(good);
  });

  it.each([
    [{ kind: "mutate" }, 'unknown kind "mutate"'],
    [{ behavior: 3 }, '"behavior" is not a string'],
    [{ member: -1 }, '"member" is not a member index'],
    [{ member: 1.5 }, '"member" is not a member index'],
    [{ step: "10" }, '"step" is not a step count'],
    [{ source: "0" }, '"source" is not a member index or null'],
    [{ source: null }, 'an exploit without a "source"'],
    [{ score: { member: "high", source: 1 } }, '"score" values are not numbers or null'],
    [{ new: [1] }, '"new" is not an object'],
    [{ old: 5 }, '"old" is not an object or null'],
  ])("refuses %j with a reason", (patch, reason) => {
    expect(toLineageEvent({ ...good, ...patch })).toBe(reason);
  });

  it("fills what an init may leave out (source, score, old)", () => {
    const e = toLineageEvent({ kind: "init", behavior: "B", member: 0, step: 0, new: { lr: 1 } });
    expect(e).toEqual({ time: "", kind: "init", behavior: "B", member: 0, step: 0, source: null, score: { member: null, source: null }, old: null, new: { lr: 1 } });
  });
});

describe("hyperSchedules", () => {
  // Worked out by hand from POPULATION_EVENTS: member 3 copies member 0 at 10000 (getting its
  // init_entcoef 0.5), then member 1 at 24000 (0.25); member 2 copies member 1 at 16000; the
  // failed attempt at 28000 changes nothing.
  const s = hyperSchedules(events);

  it("an exploit takes the source's values and then the explored ones", () => {
    expect(s.get(3)!.get("learning_rate")).toEqual({ steps: [0, 10000, 24000], values: [1e-5, 3.6e-4, 1.2e-3] });
    expect(s.get(3)!.get("batch_size")).toEqual({ steps: [0, 10000, 24000], values: [256, 64, 128] });
    expect(s.get(3)!.get("init_entcoef")).toEqual({ steps: [0, 10000, 24000], values: [0.125, 0.5, 0.25] });
    expect(s.get(2)!.get("init_entcoef")).toEqual({ steps: [0, 16000], values: [0.5 / 3, 0.25] });
    expect(s.get(2)!.get("activation")).toEqual({ steps: [0], values: ["relu"] });
  });

  it("members that never exploited keep their initial values", () => {
    expect(s.get(0)!.get("learning_rate")).toEqual({ steps: [0], values: [3e-4] });
    expect(s.get(1)!.get("batch_size")).toEqual({ steps: [0], values: [128] });
  });

  it("copies the source's values at the exploit's step, not its later ones, whatever the file order", () => {
    const log = [ev("exploit", 1, 100, 0, { lr: 5 }), ev("init", 0, 0, null, { lr: 1, gamma: 0.9 }), ev("init", 1, 0, null, { lr: 2, gamma: 0.99 }), ev("exploit", 0, 200, 1, { lr: 7 })];
    const t = hyperSchedules(log);
    expect(t.get(1)!.get("gamma")).toEqual({ steps: [0, 100], values: [0.99, 0.9] });
    expect(t.get(0)!.get("gamma")).toEqual({ steps: [0], values: [0.9] }); // copied 0.9 back from member 1: no change
    expect(t.get(0)!.get("lr")).toEqual({ steps: [0, 200], values: [1, 7] });
  });

  it("a later event at the same step replaces the earlier one", () => {
    const t = hyperSchedules([ev("init", 0, 0, null, { lr: 1 }), ev("init", 0, 0, null, { lr: 3 })]);
    expect(t.get(0)!.get("lr")).toEqual({ steps: [0], values: [3] });
  });
});

describe("valueAt and currentHypers", () => {
  it("reads the step function", () => {
    const sched = { steps: [0, 10, 20], values: [1, 2, 3] };
    expect([valueAt(sched, 0), valueAt(sched, 9), valueAt(sched, 10), valueAt(sched, 25)]).toEqual([1, 1, 2, 3]);
    expect(valueAt({ steps: [5], values: [1] }, 4)).toBeUndefined();
  });

  it("gives each member's latest values", () => {
    const now = currentHypers(events);
    expect(now.get(3)).toEqual({ learning_rate: 1.2e-3, batch_size: 128, init_entcoef: 0.25, activation: "relu" });
    expect(now.get(2)).toEqual({ learning_rate: 8e-4, batch_size: 128, init_entcoef: 0.25, activation: "relu" });
  });
});
