// Crash consistency: `mlagents-ts learn --env builtin:3dball` as a real child process, SIGKILLed at
// random moments while it checkpoints every 100 steps, then `--resume`d. Every resume must start,
// continue from a step no lower than the last one seen, and the final run must be consistent.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CheckpointStore } from "../../src/trainers/checkpoint/checkpoint-store.js";
import { cli, type Child } from "../support/cli-child.js";
import { removeDir, stackLines, tempDir, tinyYaml } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function learn(args: string[]): Child {
  return cli(["learn", ...args, "--device", "js"]);
}

/** A seeded generator, so a failing sequence of kill moments can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
}

describe("kill -9 at any moment, then --resume", () => {
  it("every resume succeeds and the steps never go back", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const config = path.join(dir, "cfg.yaml");
    writeFileSync(config, tinyYaml({ checkpointInterval: 100, keepCheckpoints: 3, summaryFreq: 100000 }));
    const runDir = path.join(dir, "r");
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 100000);
    const random = rng(seed);
    const base = ["--run-id", "r", "--results-dir", dir, "--env", "builtin:3dball", "--seed", "3"];
    let lastStep = 0;
    const kills = 3;
    for (let i = 0; i <= kills; i++) {
      const final = i === kills;
      // --base-port 0: the player's port is picked by the OS when the server binds (never a probed one that may be taken meanwhile).
      const args = [config, ...base, "--base-port", "0", ...(i > 0 ? ["--resume"] : [])];
      const child = learn(args);
      await child.waitFor(/Hyperparameters for behavior name 3DBall/, 120_000); // logged after a resume's load
      if (i > 0) {
        // The resume started from a step no lower than where the previous process had saved.
        const m = /Resuming training of 3DBall from step (\d+)\./.exec(child.output());
        const resumed = m ? Number(m[1]) : 0;
        expect(resumed, `seed ${seed}, resume ${i}`).toBeGreaterThanOrEqual(lastStep);
        lastStep = resumed;
      }
      if (final) {
        child.proc.kill("SIGINT"); // Ctrl+C: the final checkpoint and model
        const exit = await child.exited;
        expect(exit.code, child.output().slice(-2000)).toBe(0);
        expect(stackLines(child.output().split("\n"))).toEqual([]);
        break;
      }
      // Let it train and checkpoint a few times, then kill it at a random moment.
      await child.waitFor(/Exported .+3DBall-\d+\.onnx/, 120_000);
      await new Promise((r) => setTimeout(r, random() * 1200));
      child.proc.kill("SIGKILL");
      await child.exited;
      // What is on disk must load, and hold at least the step the previous resume started from.
      const store = new CheckpointStore({ runDir, behaviorName: "3DBall" });
      const latest = await store.loadLatest();
      expect(latest, `seed ${seed}, kill ${i}`).not.toBeNull();
      expect(latest!.step).toBeGreaterThanOrEqual(lastStep);
      lastStep = latest!.step;
    }
    // The final run is consistent: status parses, the final checkpoint is the newest and loads.
    const status = JSON.parse(readFileSync(path.join(runDir, "run_logs", "training_status.json"), "utf8"));
    const final = status["3DBall"].final_checkpoint;
    expect(final.steps).toBeGreaterThanOrEqual(lastStep);
    const latest = await new CheckpointStore({ runDir, behaviorName: "3DBall" }).loadLatest();
    expect(latest!.step).toBe(final.steps);
    expect(existsSync(path.join(runDir, "3DBall.onnx"))).toBe(true);
  }, 600_000);
});
