// `mlagents-ts inspect`: a connection doctor. Waits for (or launches) Unity like `learn`, prints what
// Unity announced, drives N steps with random valid actions and reports throughput and rewards.
import type { Command } from "commander";
import { ActionTuple, DimensionProperty, ObservationType, type BehaviorSpec, type UnityEnvironment } from "../../env/index.js";
import { UnityStoppedError } from "../../protocol/errors.js";
import { StatsAggregationMethod } from "../../protocol/side-channel/index.js";
import { createLogger, errorMessage } from "../../util/logger.js";
import { EnvWorker } from "../../run/env-worker.js";
import { EDITOR_PORT } from "../../run/run-training.js";
import type { RegisterCommand } from "./index.js";
import { EpisodeReturns } from "../../run/episode-returns.js";

export interface InspectOptions {
  basePort?: number;
  env?: string;
  steps: number;
  timeoutWait: number;
  seed: number;
  bind?: string;
  write: (line: string) => void;
  onListening?: (port: number) => void;
}

export interface InspectReport {
  exitCode: number;
  decisions: number;
  episodes: number;
  meanEpisodeReward: number | null;
  steps: number;
}

export function describeSpec(name: string, spec: BehaviorSpec): string[] {
  const lines = [`Behavior ${name}:`];
  spec.observationSpecs.forEach((o, i) => {
    const dims = o.dimensionProperties.map((d) => DimensionProperty[d] ?? String(d)).join(", ");
    lines.push(`  obs_${i}: ${o.name || "(unnamed)"} shape [${o.shape.join(", ")}] ${ObservationType[o.observationType] ?? o.observationType} dims [${dims}]`);
  });
  lines.push(`  actions: ${spec.actionSpec.toString()}`);
  return lines;
}

export async function inspect(opts: InspectOptions): Promise<InspectReport> {
  const logger = createLogger();
  const write = opts.write;
  const port = opts.basePort ?? (opts.env ? 5005 : EDITOR_PORT);
  const stats = new Map<string, { sum: number; count: number; method: StatsAggregationMethod }>();
  const worker = await EnvWorker.standalone({
    port,
    host: opts.bind,
    timeoutWaitMs: opts.timeoutWait * 1000,
    seed: opts.seed,
    logger,
    target: opts.env ?? null,
    onStats: (key, value, method) => {
      const s = stats.get(key) ?? { sum: 0, count: 0, method };
      s.sum += value;
      s.count++;
      stats.set(key, s);
    },
  });
  opts.onListening?.(worker.communicator.port);
  if (!opts.env) write(`Listening on port ${worker.communicator.port}. Press Play in the Unity Editor to inspect the scene.`);
  let env: UnityEnvironment;
  try {
    env = await worker.connect(opts.timeoutWait * 1000);
  } catch (error) {
    write(`Nothing usable connected: ${errorMessage(error)}`);
    await worker.close();
    return { exitCode: 2, decisions: 0, episodes: 0, meanEpisodeReward: null, steps: 0 };
  }
  write(`Unity package ${env.unityPackageVersion}, communication version ${env.unityCommunicationVersion}`);
  const returns = new EpisodeReturns({ collect: false });
  let steps = 0;
  let exitCode = 0;
  const described = new Set<string>();
  const start = performance.now();
  try {
    await env.reset();
    while (steps < opts.steps) {
      for (const [name, spec] of env.behaviorSpecs) {
        if (!described.has(name)) {
          described.add(name);
          for (const line of describeSpec(name, spec)) write(line);
        }
        const [decision, terminal] = env.getSteps(name);
        returns.observe(decision, terminal);
        if (decision.length > 0) env.setActions(name, ActionTuple.random(spec.actionSpec, decision.length, Math.random, decision.actionMask));
      }
      await env.step();
      steps++;
    }
  } catch (error) {
    if (error instanceof UnityStoppedError) write(`Unity stopped after ${steps} steps.`);
    else {
      write(`Inspection ended: ${errorMessage(error)}`);
      exitCode = 1;
    }
  } finally {
    await worker.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const mean = returns.meanReturn;
  const { decisions } = returns;
  for (const [key, s] of stats) {
    const value = s.method === StatsAggregationMethod.SUM ? s.sum : s.sum / s.count;
    write(`Stat ${key}: ${value.toFixed(3)} (${StatsAggregationMethod[s.method]}, ${s.count} values)`);
  }
  write(
    `${steps} steps, ${decisions} decisions in ${seconds.toFixed(2)} s (${(decisions / Math.max(seconds, 1e-9)).toFixed(0)} decisions/s), ` +
      `${returns.episodes} episodes finished, mean episode reward ${mean === null ? "n/a" : mean.toFixed(3)}`,
  );
  return { exitCode, decisions, episodes: returns.episodes, meanEpisodeReward: mean, steps };
}

export const registerInspect: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command("inspect")
    .description("Connection doctor: wait for Unity (or launch it), print its behaviors, drive it with random actions")
    .option("--base-port <port>", "port to listen on (default 5004 for the Editor, 5005 with --env)")
    .option("--env <path>", "Unity player to launch, or builtin:NAME")
    .option("--steps <n>", "environment steps to drive", "200")
    .option("--timeout-wait <seconds>", "how long to wait for Unity to connect", "60")
    .option("--seed <n>", "seed sent to Unity", "0")
    .option("--bind <address>", "address to bind (default loopback)")
    .action(async (o: { basePort?: string; env?: string; steps: string; timeoutWait: string; seed: string; bind?: string }) => {
      const report = await inspect({
        basePort: o.basePort === undefined ? undefined : Number(o.basePort),
        env: o.env,
        steps: Number(o.steps),
        timeoutWait: Number(o.timeoutWait),
        seed: Number(o.seed),
        bind: o.bind,
        write: (line) => process.stdout.write(line + "\n"),
      });
      setExitCode(report.exitCode);
    });
};
