// `mlagents-ts run <model.onnx>`: drive an environment with an exported policy through onnxruntime,
// as Unity's inference would, and measure it. Nothing is trained. The Unity side is the Editor
// (we listen, it connects on Play), a launched player, or a built-in emulator, all over the real
// protocol, exactly as `learn` reaches them.
import { ActionTuple, type UnityEnvironment } from "../../env/index.js";
import { OnnxPolicy } from "../../export/index.js";
import { UnityStoppedError } from "../../protocol/errors.js";
import { errorMessage, type Logger } from "../../util/logger.js";
import { EnvWorker } from "../../run/env-worker.js";
import { EDITOR_PORT } from "../../run/run-training.js";
import { chooseBehavior, checkModelFitsSpec } from "./match-behavior.js";
import { EpisodeReturns } from "../../run/episode-returns.js";
import { DEFAULT_PROGRESS_SECONDS, RunProgress, type ProgressCounts } from "./progress.js";

export interface RunPolicyOptions {
  readonly model: string;
  /** Player path or builtin:NAME; undefined = wait for the Unity Editor. */
  readonly env?: string;
  /** Default 5004 for the Editor, 5005 for a launched environment; 0 = any free port. */
  readonly basePort?: number;
  readonly deterministic: boolean;
  /** Stop after this many environment steps (decision rounds). */
  readonly steps?: number;
  /** Stop once this many episodes have finished. */
  readonly episodes?: number;
  readonly timeoutWaitS: number;
  readonly seed: number;
  readonly timeScale: number;
  readonly bind?: string;
  /** Seconds of wall time between progress lines; 0 = none. Default DEFAULT_PROGRESS_SECONDS. */
  readonly progressSeconds?: number;
  readonly logger: Logger;
  /** onnxruntime execution provider: "cpu" (default) or "gpu" (WebGPU; check the adapter first). */
  readonly device?: "cpu" | "gpu";
  /** Called once the server listens (tests start an emulator here). */
  readonly onListening?: (port: number) => void;
  /** Stops the run like Ctrl+C. */
  readonly signal?: AbortSignal;
}

export interface RunPolicyReport {
  readonly exitCode: number;
  readonly behavior: string | null;
  readonly steps: number;
  readonly decisions: number;
  readonly episodes: number;
  /** Mean return of the finished episodes; null when none finished. */
  readonly meanEpisodeReward: number | null;
  /** Mean reward per agent decision over everything seen (finished or not). */
  readonly meanRewardPerDecision: number | null;
  readonly seconds: number;
}

export async function runPolicy(opts: RunPolicyOptions): Promise<RunPolicyReport> {
  const log = opts.logger;
  const policy = await OnnxPolicy.load(opts.model, { device: opts.device ?? "cpu" });
  const port = opts.basePort ?? (opts.env ? 5005 : EDITOR_PORT);
  let worker: EnvWorker;
  try {
    worker = await EnvWorker.standalone({
      port,
      host: opts.bind,
      timeoutWaitMs: opts.timeoutWaitS * 1000,
      seed: opts.seed,
      logger: log,
      target: opts.env ?? null,
      noGraphics: false,
      engineConfig: { timeScale: opts.timeScale },
    });
  } catch (error) {
    await policy.dispose();
    throw error;
  }
  opts.onListening?.(worker.communicator.port);
  if (!opts.env) log.info(`Listening on port ${worker.communicator.port}. Start inference by pressing the Play button in the Unity Editor.`);

  let stop = false;
  const onStop = (): void => {
    stop = true;
  };
  opts.signal?.addEventListener("abort", onStop, { once: true });
  process.on("SIGINT", onStop);
  const returns = new EpisodeReturns({ collect: false });
  let behavior: string | null = null;
  let steps = 0;
  let exitCode = 0;
  const start = performance.now();
  try {
    const env: UnityEnvironment = await worker.connect(opts.timeoutWaitS * 1000);
    await env.reset();
    const chosen = chooseBehavior(opts.model, [...env.behaviorSpecs.keys()]);
    for (const full of chosen.fullNames) checkModelFitsSpec(opts.model, chosen.name, policy, env.behaviorSpecs.get(full)!);
    behavior = chosen.name;
    log.info(`Running ${opts.model} on behavior ${chosen.name} (${opts.deterministic ? "deterministic" : "stochastic"} actions); ${describeStop(opts)}.`);
    // Progress time counts from the first action, not from the launch and connection.
    const progress = new RunProgress(opts.progressSeconds ?? DEFAULT_PROGRESS_SECONDS, performance.now());
    const counts = (): ProgressCounts => ({ episodes: returns.episodes, meanEpisodeReward: returns.meanReturn, decisions: returns.decisions, rewardSum: returns.rewardSum });
    while (!stop && (opts.steps === undefined || steps < opts.steps) && (opts.episodes === undefined || returns.episodes < opts.episodes)) {
      for (const full of chosen.fullNames) {
        const [decision, terminal] = env.getSteps(full);
        returns.observe(decision, terminal);
        if (decision.length === 0) continue;
        const a = await policy.act(decision.obs, decision.length, decision.actionMask, opts.deterministic);
        env.setActions(full, new ActionTuple(decision.length, a.continuous, a.discrete));
      }
      await env.step();
      steps++;
      const line = progress.poll(performance.now(), counts);
      if (line) log.info(line);
    }
  } catch (error) {
    if (error instanceof UnityStoppedError) log.info(`Unity stopped after ${steps} steps.`);
    else {
      log.error(errorMessage(error));
      exitCode = 1;
    }
  } finally {
    opts.signal?.removeEventListener("abort", onStop);
    process.off("SIGINT", onStop);
    await worker.close();
    await policy.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    exitCode,
    behavior,
    steps,
    decisions: returns.decisions,
    episodes: returns.episodes,
    meanEpisodeReward: returns.meanReturn,
    meanRewardPerDecision: returns.decisions ? returns.rewardSum / returns.decisions : null,
    seconds,
  };
}

/** When the run ends, as the start line tells it. */
function describeStop(o: RunPolicyOptions): string {
  const limits = [o.episodes !== undefined ? `${o.episodes} episodes` : "", o.steps !== undefined ? `${o.steps} steps` : ""].filter(Boolean);
  return limits.length ? `stops after ${limits.join(" or ")}` : "runs until Ctrl+C (or Unity stops); --episodes N ends it by itself";
}

/** The report as the lines the command prints. */
export function describeRunReport(r: RunPolicyReport): string[] {
  const rate = r.decisions / Math.max(r.seconds, 1e-9);
  return [
    `${r.behavior ?? "no behavior"}: ${r.steps} steps, ${r.decisions} decisions in ${r.seconds.toFixed(2)} s (${rate.toFixed(0)} decisions/s).`,
    `Episodes finished: ${r.episodes}. Mean episode reward: ${r.meanEpisodeReward === null ? "n/a (no episode finished)" : r.meanEpisodeReward.toFixed(3)}.` +
      ` Mean reward per decision: ${r.meanRewardPerDecision === null ? "n/a" : r.meanRewardPerDecision.toFixed(4)}.`,
  ];
}
