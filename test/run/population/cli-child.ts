// A `mlagents-ts <command>` child process for the population tests: its output collected, waits
// on lines (events, not fixed times), and its exit.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

export interface Child {
  readonly proc: ChildProcess;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `re` in the output; rejects after `ms` or when the process exits first. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
}

export function cli(args: readonly string[]): Child {
  const proc = spawn(process.execPath, [path.join(ROOT, "bin", "mlagents-ts.js"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once("exit", (code, signal) => r({ code, signal })));
  return {
    proc,
    output: () => out,
    exited,
    waitFor: async (re, ms = 240_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (Date.now() > deadline || proc.exitCode !== null || proc.signalCode !== null) throw new Error(`no output matching ${re}; output:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/** A short 3DBall PBT configuration: 4 members of 16-unit networks, ready every `ready` agent steps, clear-gap test off. */
export function shortPbtYaml(o: { maxSteps?: number; ready?: number; checkpointInterval?: number; extraExplore?: string } = {}): string {
  return [
    "behaviors:",
    "  3DBall:",
    "    trainer_type: sac",
    "    hyperparameters: {learning_rate: 0.0003, batch_size: 32, buffer_size: 20000, buffer_init_steps: 0, tau: 0.005, steps_per_update: 20.0, init_entcoef: 0.5}",
    "    network_settings: {normalize: true, hidden_units: 16, num_layers: 1}",
    "    reward_signals: {extrinsic: {gamma: 0.99, strength: 1.0}}",
    "    keep_checkpoints: 3",
    `    checkpoint_interval: ${o.checkpointInterval ?? 500000}`,
    `    max_steps: ${o.maxSteps ?? 2400}`,
    "    time_horizon: 64",
    "    summary_freq: 600",
    "pbt:",
    "  population_size: 4",
    `  ready: ${o.ready ?? 300}`,
    `  burn_in: ${o.ready ?? 300}`,
    "  episodes: 10",
    // A short test run cannot wait for a significant gap: any better source is copied.
    "  relative_margin: 0.0",
    "  significance: 1",
    "  explore:",
    "    learning_rate: {distribution: log_uniform, min: 1.0e-5, max: 1.0e-2}",
    "    tau: {distribution: log_uniform, min: 0.001, max: 0.02}",
    "    batch_size: {values: [16, 32, 64]}",
    o.extraExplore ?? "",
  ].join("\n");
}
