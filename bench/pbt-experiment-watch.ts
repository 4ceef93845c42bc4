// What bench/pbt-experiment.ts measures in a population run, from outside the run: each member's
// trainer is wrapped, so every member's own agent steps (decisions while it still trains) and
// finished episode returns are seen as they happen, whatever PBT does to the trainer's state.
import { EpisodeReturns } from "../src/run/episode-returns.js";
import type { DecisionSteps, TerminalSteps } from "../src/env/steps.js";
import type { LineageEvent } from "../src/trainers/pbt/index.js";
import type { Trainer } from "../src/trainers/trainer.js";
import type { CurvePoint } from "./pbt-experiment-plot.js";

export interface RunFigures {
  seed: number;
  arm: "pbt" | "random";
  /** When the best member's window mean first reached the target; null if it never did. */
  reached: { stepsPerMember: number; totalSteps: number; seconds: number; member: number } | null;
  /** At the end: mean over members of their window means, and the best member's. */
  finalMean: number | null;
  finalBest: number | null;
  exploits: number;
  /** All members' own agent steps while training. */
  totalSteps: number;
  wallS: number;
  /** Member i's initial hyperparameters (lineage log's init events). */
  initial: Record<string, number>[];
  curve: CurvePoint[];
  load: { start: string; end: string };
}

export class PopulationWatch {
  private readonly returns: EpisodeReturns[];
  /** Each member's last `window` finished episode returns. */
  private readonly recent: number[][];
  private readonly ownSteps: number[];
  private totalSteps = 0;
  private nextSample = 0;
  private readonly sampleEvery: number;
  private t0 = performance.now();
  private reached: RunFigures["reached"] = null;
  private readonly curve: CurvePoint[] = [];
  /** The population's budget: size x max_steps agent steps. */
  private readonly budget: number;

  /**
   * `onBudget` is called once all members together took size x `stepsPerMember` agent steps: an
   * exploit moves the trainer's step count to the source's, so a PBT member can train more (or
   * fewer) of its own steps than max_steps; the population's total is what both arms share.
   */
  constructor(
    private readonly size: number,
    stepsPerMember: number,
    private readonly window: number,
    private readonly target: number,
    private readonly onBudget: () => void,
  ) {
    this.budget = size * stepsPerMember;
    this.returns = Array.from({ length: size }, () => new EpisodeReturns());
    this.recent = Array.from({ length: size }, () => []);
    this.ownSteps = Array.from({ length: size }, () => 0);
    this.sampleEvery = Math.max(1, Math.floor((size * stepsPerMember) / 300));
  }

  /** The clock of the run starts now (emulator launches included). */
  start(): void {
    this.t0 = performance.now();
  }

  /** Member `member`'s trainer, watched. */
  wrap(trainer: Trainer, member: number): Trainer {
    return new Proxy(trainer, {
      get: (target, key, receiver) => {
        if (key === "observe") {
          return (decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0) => {
            target.observe(decision, terminal, envIndex);
            this.observed(member, decision, terminal, envIndex);
          };
        }
        if (key === "act") {
          return (decision: DecisionSteps, deterministic?: boolean, envIndex?: number) => {
            if (!target.isDone && this.totalSteps < this.budget) this.acted(member, decision.length);
            return target.act(decision, deterministic, envIndex);
          };
        }
        if (key === "discardPending") {
          return (envIndex?: number) => {
            this.returns[member]!.discard(envIndex);
            target.discardPending(envIndex);
          };
        }
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  private observed(member: number, decision: DecisionSteps, terminal: TerminalSteps, envIndex: number): void {
    const tracker = this.returns[member]!;
    tracker.observe(decision, terminal, envIndex);
    const finished = tracker.take();
    if (finished.length === 0) return;
    const recent = this.recent[member]!;
    recent.push(...finished);
    if (recent.length > this.window) recent.splice(0, recent.length - this.window);
    const m = this.windowMean(member);
    if (this.reached === null && m !== null && m >= this.target) {
      this.reached = { stepsPerMember: this.totalSteps / this.size, totalSteps: this.totalSteps, seconds: this.seconds(), member };
    }
  }

  private acted(member: number, agents: number): void {
    this.ownSteps[member]! += agents;
    this.totalSteps += agents;
    if (this.totalSteps >= this.nextSample) {
      this.curve.push(this.point());
      this.nextSample = this.totalSteps + this.sampleEvery;
    }
    if (this.totalSteps >= this.budget) this.onBudget();
  }

  /** Mean of the member's last `window` returns; null until it has that many. */
  private windowMean(member: number): number | null {
    const r = this.recent[member]!;
    return r.length < this.window ? null : r.reduce((a, b) => a + b, 0) / r.length;
  }

  private point(): CurvePoint {
    const means = this.recent.map((_, i) => this.windowMean(i)).filter((x): x is number => x !== null);
    return {
      stepsPerMember: Math.round(this.totalSteps / this.size),
      seconds: Number(this.seconds().toFixed(2)),
      best: means.length ? round2(Math.max(...means)) : null,
      mean: means.length ? round2(means.reduce((a, b) => a + b, 0) / means.length) : null,
    };
  }

  private seconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  figures(seed: number, arm: "pbt" | "random", events: readonly LineageEvent[], load: RunFigures["load"]): RunFigures {
    const last = this.point();
    this.curve.push(last);
    const initial = events.filter((e) => e.kind === "init").sort((a, b) => a.member - b.member).map((e) => ({ ...e.new }));
    if (initial.length !== this.size) throw new Error(`seed ${seed}, ${arm}: the lineage log has ${initial.length} init events for ${this.size} members`);
    return {
      seed,
      arm,
      reached: this.reached,
      finalMean: last.mean,
      finalBest: last.best,
      exploits: events.filter((e) => e.kind === "exploit").length,
      totalSteps: this.totalSteps,
      wallS: this.seconds(),
      initial,
      curve: this.curve,
      load,
    };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
