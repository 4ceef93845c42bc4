// Runs `learn --env builtin:3dball` in-process (runTraining) with emulator processes as players, and
// records the trainer's step count at each log line so tests can tell who kept stepping when.
import * as path from "node:path";
import { runTraining } from "../../src/run/run-training.js";
import { SacTrainer } from "../../src/trainers/sac/sac-trainer.js";
import { createLogger } from "../../src/util/logger.js";
import { ensureBackend, tempDir, tinyOptions } from "./helpers.js";

export interface LaunchOver {
  numEnvs: number;
  maxRestarts: number;
  rateN?: number;
  timeoutWait?: number;
  /** Ctrl+C once this many sessions connected and the trainer took `afterSteps` more steps (default: run until the limit ends it). */
  stopAfterSessions?: number;
  /** Default 100. */
  afterSteps?: number;
}

export async function launchRun(envArgs: string[], over: LaunchOver) {
  await ensureBackend();
  const dir = tempDir();
  const o = tinyOptions(dir);
  o.env_settings.env_path = "builtin:3dball";
  o.env_settings.env_args = envArgs;
  o.env_settings.base_port = 0;
  o.env_settings.num_envs = over.numEnvs;
  o.env_settings.timeout_wait = over.timeoutWait ?? 20;
  o.env_settings.max_lifetime_restarts = over.maxRestarts;
  o.env_settings.restarts_rate_limit_n = over.rateN ?? -1;
  let trainer: SacTrainer | undefined;
  const ac = new AbortController();
  const lines: string[] = [];
  /** Trainer steps when each line was logged. */
  const stepsAt: number[] = [];
  /** Clock (ms) when each line was logged. */
  const timesAt: number[] = [];
  let sessions = 0;
  let poll: NodeJS.Timeout | undefined;
  const logger = createLogger({
    level: "info",
    sink: (_level, line) => {
      lines.push(line);
      stepsAt.push(trainer?.stepCount ?? 0);
      timesAt.push(Date.now());
      if (line.startsWith("[INFO] Connected new brain") && ++sessions === over.stopAfterSessions) {
        // Waits for steps, not for time: the last session must be seen training before Ctrl+C.
        const target = (trainer?.stepCount ?? 0) + (over.afterSteps ?? 100);
        poll = setInterval(() => {
          if ((trainer?.stepCount ?? 0) < target) return;
          clearInterval(poll);
          ac.abort();
        }, 10);
      }
    },
  });
  const result = await runTraining(o, {
    logger,
    version: "0.1.0",
    signal: ac.signal,
    maxEnvSteps: 20_000, // a safety net only
    createTrainer: (behaviorName, spec, settings, seed) => (trainer = new SacTrainer({ behaviorName, spec, settings, seed })),
  });
  clearInterval(poll);
  const stepsWhen = (re: RegExp, nth = 0): number => stepsAt[lines.map((l, i) => (re.test(l) ? i : -1)).filter((i) => i >= 0)[nth]!]!;
  const indexOf = (re: RegExp, nth = 0): number => lines.map((l, i) => (re.test(l) ? i : -1)).filter((i) => i >= 0)[nth]!;
  /** Trainer steps at the last line logged at or before time t (ms). */
  const stepsAtTime = (t: number): number => {
    let steps = 0;
    timesAt.forEach((x, i) => {
      if (x <= t) steps = stepsAt[i]!;
    });
    return steps;
  };
  const timeWhen = (re: RegExp, nth = 0): number => timesAt[indexOf(re, nth)]!;
  return { dir, result, lines, stepsWhen, stepsAtTime, timeWhen, runDir: path.join(dir, "r") };
}

