// Mix & Match learning run on a built-in environment (docs/mix-and-match.md): trains with a
// `*-mm.yaml` config over gRPC, prints the mixture's mean reward and each component's share of the
// decisions per summary, then drives the environment with the exported target alone
// (deterministic) and prints its mean episode reward. A rerunnable figure, not a comparison: the
// experiment of issue 11 (target alone vs Mix & Match, seeds, PBT) is separate.
// Run: npx tsx bench/mm-learn.ts [--config config/3dball-mm.yaml] [--env 3dball] [--seeds 1]
//                                [--max-steps 40000] [--summary-freq 4000] [--episodes 12] [--alpha A]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runTraining } from "../src/run/run-training.js";
import { applyCliOverrides, loadRunOptions } from "../src/config/index.js";
import { initBackend } from "../src/trainers/backend.js";
import { MmTrainer } from "../src/trainers/mm/mm-trainer.js";
import { createMemoryLogger } from "../src/util/logger.js";
import { runAgainstEmulator } from "../test/export/helpers/emulated-run.js";
import { loadAverage, readStats } from "./support.js";

const { values: args } = parseArgs({
  options: {
    config: { type: "string", default: "config/3dball-mm.yaml" },
    env: { type: "string", default: "3dball" },
    seeds: { type: "string", default: "1" },
    "max-steps": { type: "string", default: "40000" },
    "summary-freq": { type: "string", default: "4000" },
    episodes: { type: "string", default: "12" },
    alpha: { type: "string" },
  },
});

await initBackend("wasm");
console.log(`load average at start: ${loadAverage()}`);
for (const seed of args.seeds.split(",").map(Number)) {
  const resultsDir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-mm-bench-"));
  try {
    const logger = createMemoryLogger("info");
    let options = loadRunOptions(args.config, logger);
    options = applyCliOverrides(options, { env: `builtin:${args.env}`, basePort: 0, runId: "mm", resultsDir, seed }, logger);
    for (const s of options.behaviors.values()) {
      s.max_steps = Number(args["max-steps"]);
      s.summary_freq = Number(args["summary-freq"]);
      s.checkpoint_interval = 10 * s.max_steps;
    }
    const t0 = performance.now();
    const result = await runTraining(options, {
      logger,
      version: "bench",
      createTrainer: (behaviorName, spec, settings, s) => {
        const t = new MmTrainer({ behaviorName, spec, settings, seed: s, logger });
        if (args.alpha !== undefined) t.setHyperparameters({ mix_and_match_alpha: Number(args.alpha) });
        return t;
      },
    });
    const wall = (performance.now() - t0) / 1000;
    const behavior = [...options.behaviors.keys()][0]!;
    const rows = readStats(result.runDir, behavior);
    console.log(`seed ${seed}: exit ${result.exitCode}, ${wall.toFixed(0)} s`);
    console.log("  step    mixture reward   decisions [component 1 .. K]");
    for (const r of rows) {
      const shares = Object.keys(r).filter((k) => k.startsWith("Mix&Match/Decisions")).sort().map((k) => r[k]!.toFixed(2));
      console.log(`  ${String(r.step).padStart(6)}  ${(r["Environment/Cumulative Reward"] ?? NaN).toFixed(3).padStart(14)}   ${shares.join(" ")}`);
    }
    const run = await runAgainstEmulator(path.join(result.runDir, `${behavior}.onnx`), args.env, { episodes: Number(args.episodes) });
    console.log(`  exported target alone, deterministic: mean episode reward ${run.report.meanEpisodeReward?.toFixed(3)} over ${run.report.episodes} episodes`);
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}
console.log(`load average at end: ${loadAverage()}`);
