// `pbt <config> --redis URL`: the coordinator's run folder, Redis connection, content store and
// lineage log around a DistributedPopulation, and at the end what the in-process pbt leaves:
// each member's .onnx in its member-<i>/ folder, the best member's as <Behavior>.onnx,
// stats.jsonl per member and lineage.jsonl (the CLI then writes report.html).
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { runOptionsToYaml, type RunOptions } from "../../config/index.js";
import { DEFAULT_OPSET, exportActorToOnnx } from "../../export/index.js";
import { LineageLog, withHyperparameters, type LineageEvent } from "../../trainers/pbt/index.js";
import { mean } from "../../trainers/pbt/index.js";
import { writeFileAtomic } from "../../util/atomic-file.js";
import { displayPath } from "../../util/display-path.js";
import type { Logger } from "../../util/logger.js";
import { safeFileName } from "../../util/safe-name.js";
import { behaviorSpecFromJson } from "../behavior-spec-json.js";
import { LINEAGE_FILE } from "../population/pbt-driver.js";
import { writeConfiguration } from "../run-directory.js";
import { memberPlace, memberSeed } from "../team-member.js";
import type { TrainerFactory } from "../trainer-controller.js";
import { DirectoryContentStore, type ContentStore } from "./content-store.js";
import { DistributedPopulation, DistributedPopulationError } from "./distributed-population.js";
import { distributedStatePath, readDistributedState, type DistributedState } from "./distributed-state.js";
import { runConfigKey, runStoreDir } from "./queue-names.js";
import { openRedis } from "./redis-connection.js";

export interface DistributedRunDeps {
  readonly logger: Logger;
  readonly createTrainer: TrainerFactory;
  readonly signal?: AbortSignal;
}

export interface DistributedRunSettings {
  readonly redisUrl: string;
  readonly caFile?: string;
  /** Root of the content store shared with the workers. */
  readonly storeDir: string;
  /** Agent steps per segment (default pbt.ready). */
  readonly segmentSteps?: number;
  /** Tries of a segment before its member is marked failed (default 3). */
  readonly attempts?: number;
}

export interface DistributedRunResult {
  readonly runDir: string;
  readonly exitCode: number;
}

export async function runDistributedPbt(options: RunOptions, s: DistributedRunSettings, deps: DistributedRunDeps): Promise<DistributedRunResult> {
  const log = deps.logger;
  const pbt = options.pbt;
  if (pbt === null) throw new DistributedPopulationError("The configuration has no pbt: section; add one (docs/pbt.md).");
  if (pbt.metric === "evaluation") throw new DistributedPopulationError("pbt.metric: evaluation is not supported by the distributed population yet; use mean_reward.");
  const behaviors = [...options.behaviors.keys()];
  if (behaviors.length !== 1) {
    throw new DistributedPopulationError(`a population across machines trains exactly one behavior (the workers' environment has one); the configuration lists ${behaviors.length}: ${behaviors.join(", ")}.`);
  }
  const behavior = behaviors[0]!;
  const settings = options.behaviors.get(behavior)!;
  const segmentSteps = s.segmentSteps ?? pbt.ready;
  if (!Number.isInteger(segmentSteps) || segmentSteps < 1) throw new DistributedPopulationError(`--segment-steps must be a whole number of 1 or more, got ${segmentSteps}.`);
  const cp = options.checkpoint_settings;
  const runDir = path.resolve(cp.results_dir, cp.run_id);
  const saved = await openRunDirectory(runDir, cp.force, log);
  await writeConfiguration(runDir, options);

  const connection = await openRedis(s.redisUrl, { caFile: s.caFile, role: "coordinator", logger: log });
  try {
    await connection.set(runConfigKey(cp.run_id), runOptionsToYaml(options));
    const store = new DirectoryContentStore(runStoreDir(s.storeDir, cp.run_id));
    const lineageFile = path.join(runDir, LINEAGE_FILE);
    const lineage = await LineageLog.open(lineageFile);
    if (saved) saved.pendingEvents = await notYetLogged(lineageFile, saved.pendingEvents);
    const population = DistributedPopulation.create(
      {
        runId: cp.run_id,
        runDir,
        behavior,
        settings,
        pbt,
        seed: options.env_settings.seed,
        segmentSteps,
        attempts: s.attempts ?? 3,
        connection,
        store,
        lineage,
        logger: log,
        writeStats: (member, step, returns, lengths) => appendStats(runDir, behavior, member, pbt.population_size, step, returns, lengths),
        signal: deps.signal,
      },
      saved,
    );
    log.info(
      `PBT ${behavior}: ${pbt.population_size} members in segments of ${segmentSteps} agent steps on the queue of ${cp.run_id}; ` +
        `start workers with: mlagents-ts worker --redis URL --env builtin:NAME|PATH --store ${s.storeDir}`,
    );
    await population.run();
    if (deps.signal?.aborted) {
      log.info(`Stopped; the queued segments stay in Redis. Run the same command again to go on.`);
      return { runDir, exitCode: 0 };
    }
    await exportMembers(population.state, population.best(), { runDir, options, store, createTrainer: deps.createTrainer, logger: log });
    return { runDir, exitCode: 0 };
  } finally {
    connection.disconnect();
  }
}

/** The saved state of a run to go on with; a new run folder otherwise (refusing someone else's data without --force). */
async function openRunDirectory(runDir: string, force: boolean, log: Logger): Promise<DistributedState | null> {
  if (force) await fs.rm(runDir, { recursive: true, force: true });
  const saved = await readDistributedState(runDir);
  if (saved) {
    const steps = saved.members.map((m, i) => `${i}: ${m.steps} steps, ${m.status}`).join("; ");
    log.info(`Going on with the population saved in ${displayPath(distributedStatePath(runDir))} (${steps}).`);
    return saved;
  }
  if (existsSync(runDir) && (await fs.readdir(runDir)).length > 0) {
    throw new DistributedPopulationError(`${runDir} holds another run (no ${path.relative(runDir, distributedStatePath(runDir))}); use a new --run-id or --force to overwrite it.`);
  }
  await fs.mkdir(runDir, { recursive: true });
  return null;
}

/** The pending events a killed coordinator had not appended yet (it may have appended some). */
async function notYetLogged(file: string, pending: LineageEvent[]): Promise<LineageEvent[]> {
  const text = existsSync(file) ? await fs.readFile(file, "utf8") : "";
  const lines = new Set(text.split("\n"));
  return pending.filter((e) => !lines.has(JSON.stringify(e)));
}

async function appendStats(runDir: string, behavior: string, member: number, size: number, step: number, returns: readonly number[], lengths: readonly number[]): Promise<void> {
  if (returns.length === 0) return;
  const dir = memberPlace(runDir, behavior, member, size).dir;
  await fs.mkdir(dir, { recursive: true });
  const record = {
    step,
    "Environment/Cumulative Reward": mean(returns),
    "Environment/Episode Length": lengths.length ? mean([...lengths]) : null,
    "Environment/Episode Count": returns.length,
  };
  await fs.appendFile(path.join(dir, "stats.jsonl"), JSON.stringify(record) + "\n");
}

interface ExportTarget {
  readonly runDir: string;
  readonly options: RunOptions;
  readonly store: ContentStore;
  readonly createTrainer: TrainerFactory;
  readonly logger: Logger;
}

/** Each member's final state as ONNX in its folder; the best member's also as <Behavior>.onnx in the run folder. */
async function exportMembers(state: DistributedState, best: number, t: ExportTarget): Promise<void> {
  if (state.behaviorSpec === null) {
    t.logger.warn("No segment finished: there is no model to export.");
    return;
  }
  const spec = behaviorSpecFromJson(state.behaviorSpec);
  const settings = t.options.behaviors.get(state.behavior)!;
  const size = state.members.length;
  const hp = state.coordinator.members;
  for (let i = 0; i < size; i++) {
    const input = state.members[i]!.input;
    if (input === null) continue;
    const trainer = t.createTrainer(state.behavior, spec, withHyperparameters(settings, hp[i]!.hyperparameters), memberSeed(t.options.env_settings.seed, i), i);
    try {
      trainer.loadSerializedState(await t.store.get(input), "state");
      const onnx = exportActorToOnnx(trainer.snapshot(), spec.observationSpecs.map((o) => [...o.shape]), { opset: DEFAULT_OPSET });
      const place = memberPlace(t.runDir, state.behavior, i, size);
      await fs.mkdir(place.dir, { recursive: true });
      const file = path.join(place.modelDir, `${safeFileName(place.label)}.onnx`);
      await writeFileAtomic(file, onnx);
      if (i === best) {
        const to = path.join(t.runDir, `${safeFileName(state.behavior)}.onnx`);
        await writeFileAtomic(to, onnx);
        t.logger.info(`PBT ${state.behavior}: the best member is ${i}; wrote ${displayPath(to)}.`);
      }
    } finally {
      trainer.dispose();
    }
  }
}
