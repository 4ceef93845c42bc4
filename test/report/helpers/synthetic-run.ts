// Run folders written by the tests themselves, in the formats `learn` and `pbt` write:
// a plain run (stats.jsonl) and a population (member-<i>/stats.jsonl + lineage.jsonl), with
// the damage a kill -9 leaves (a torn last line).
import { promises as fs } from "node:fs";
import * as path from "node:path";

export interface SyntheticEvent {
  kind: "init" | "exploit" | "failed";
  member: number;
  step: number;
  source: number | null;
  score: { member: number | null; source: number | null };
  old: Record<string, number | string> | null;
  new: Record<string, number | string>;
}

export const POPULATION_BEHAVIOR = "3DBall";
export const POPULATION_SIZE = 4;
export const SUMMARY_STEPS = Array.from({ length: 15 }, (_, i) => (i + 1) * 2000);
export const INITIAL_LR = [3e-4, 1e-3, 3e-5, 1e-5];

/** init for every member, three exploits and one failed attempt. */
export const POPULATION_EVENTS: SyntheticEvent[] = [
  ...INITIAL_LR.map((lr, m) => ({
    kind: "init" as const,
    member: m,
    step: 0,
    source: null,
    score: { member: null, source: null },
    old: null,
    new: { learning_rate: lr, batch_size: 64 * (m + 1), init_entcoef: 0.5 / (m + 1), activation: "relu" },
  })),
  { kind: "exploit", member: 3, step: 10000, source: 0, score: { member: 1.2, source: 22.5 }, old: { learning_rate: 1e-5, batch_size: 256 }, new: { learning_rate: 3.6e-4, batch_size: 64 } },
  { kind: "exploit", member: 2, step: 16000, source: 1, score: { member: 4.1, source: 40.3 }, old: { learning_rate: 3e-5, batch_size: 192 }, new: { learning_rate: 8e-4, batch_size: 128 } },
  { kind: "exploit", member: 3, step: 24000, source: 1, score: { member: 35.0, source: 70.2 }, old: { learning_rate: 3.6e-4, batch_size: 64 }, new: { learning_rate: 1.2e-3, batch_size: 128 } },
  { kind: "failed", member: 2, step: 28000, source: 0, score: { member: 60.0, source: 75.0 }, old: null, new: {} },
];

/** A member's mean reward at `step`: its own slope, and the source's curve after an exploit. */
export function syntheticReward(member: number, step: number): number {
  const slope = [2.5, 3.2, 0.3, 0.1][member]!;
  let own = (slope * step) / 1000;
  for (const e of POPULATION_EVENTS) {
    if (e.kind === "exploit" && e.member === member && e.step <= step && e.source !== null) {
      own = syntheticReward(e.source, e.step) + (slope * 2 * (step - e.step)) / 1000;
    }
  }
  return Math.min(100, own + Math.sin(step / 900 + member));
}

function statsLine(step: number, reward: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    step,
    time_elapsed: step / 400,
    "Is Training": true,
    "Environment/Cumulative Reward": reward,
    "Environment/Cumulative Reward Std": 0.5 + reward / 20,
    "Environment/Episode Length": 10 + reward * 3,
    "Environment/Episode Count": 12,
    "Losses/Q1 Loss": 1 / (1 + step / 1000),
    "Losses/Q2 Loss": 1.1 / (1 + step / 1000),
    "Losses/Policy Loss": -0.5 - step / 10000,
    "Policy/Continuous Entropy Coeff": 0.5 * Math.exp(-step / 8000),
    ...extra,
  });
}

/** results/<run-id> of a population: member stats, lineage with a torn last line, a torn stats line. */
export async function writePopulationRun(runDir: string): Promise<void> {
  for (let m = 0; m < POPULATION_SIZE; m++) {
    const dir = path.join(runDir, POPULATION_BEHAVIOR, `member-${m}`);
    await fs.mkdir(dir, { recursive: true });
    let text = SUMMARY_STEPS.map((s) => statsLine(s, syntheticReward(m, s))).join("\n") + "\n";
    if (m === 1) text += statsLine(32000, 99).slice(0, 40); // killed while appending
    await fs.writeFile(path.join(dir, "stats.jsonl"), text);
  }
  const lines = POPULATION_EVENTS.map((e, i) => JSON.stringify({ time: new Date(Date.UTC(2026, 11, 6, 12, 0, i)).toISOString(), behavior: POPULATION_BEHAVIOR, ...e }));
  const torn = JSON.stringify({ time: "2026-12-06T12:10:00Z", kind: "exploit", behavior: POPULATION_BEHAVIOR, member: 0 }).slice(0, 30);
  await fs.writeFile(path.join(runDir, "lineage.jsonl"), lines.join("\n") + "\n" + torn);
  await fs.mkdir(path.join(runDir, "run_logs"), { recursive: true });
}

/** results/<run-id> of a plain run with one behavior. */
export async function writePlainRun(runDir: string, behavior = "3DBall", steps = SUMMARY_STEPS): Promise<void> {
  const dir = path.join(runDir, behavior);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "stats.jsonl"), steps.map((s) => statsLine(s, syntheticReward(0, s))).join("\n") + "\n");
}
