// The hyperparameter schedule along one member's lineage, for `pbt --replay` (as Ray Tune's PBT
// replay): when member i copied member j at step s, i's history before s is j's history before s,
// recursively, and from s on it trains with the hyperparameters the exploit gave it. Steps are the
// exploiter's agent steps at each exploit (the log's `step`).

import type { PbtHyperparameters } from "../../config/pbt-settings-types.js";
import type { LineageEvent } from "./lineage-log.js";

export interface ScheduleSegment {
  /** First agent step this segment's hyperparameters apply to. */
  fromStep: number;
  hyperparameters: PbtHyperparameters;
}

/** The schedule of `member` of `behavior`: segments in step order, the first from step 0. */
export function replaySchedule(events: readonly LineageEvent[], behavior: string, member: number): ScheduleSegment[] {
  const own = events.filter((e) => e.behavior === behavior);
  const schedule = scheduleBefore(own, member, own.length, Infinity);
  if (schedule.length === 0) throw new Error(`the lineage log has no init event for member ${member} of behavior ${behavior}`);
  return schedule;
}

/** `member`'s schedule from the events before index `end`, cut to the steps before `untilStep`. */
function scheduleBefore(events: readonly LineageEvent[], member: number, end: number, untilStep: number): ScheduleSegment[] {
  for (let i = end - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.member !== member) continue;
    if (e.kind === "init") return [{ fromStep: 0, hyperparameters: { ...e.new } }];
    if (e.kind !== "exploit" || e.source === null) continue;
    // The event index strictly decreases on every recursion, so a cycle of copies cannot loop.
    const before = scheduleBefore(events, e.source, i, e.step).filter((s) => s.fromStep < e.step);
    const after: ScheduleSegment[] = [{ fromStep: e.step, hyperparameters: { ...e.new } }];
    return [...before, ...after].filter((s) => s.fromStep < untilStep);
  }
  return [];
}
