// A PBT run: a TrainingRun whose behaviors are served by populations of pbt.population_size
// members, driven by a PbtDriver. In this version the members share the run's environments: the
// agents of each environment are split between members by agent id (src/run/agent-split.ts), so
// environment parameters, global to an environment, cannot differ between members and are refused.
import { searchedEnvironmentParameters, type RunOptions } from "../../config/index.js";
import { TrainingRun, type RunResult, type RunTrainingDeps } from "../run-training.js";
import { PbtDriver } from "./pbt-driver.js";

export class PbtConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PbtConfigurationError";
  }
}

/** Creates the run (folders, ports) and its population driver; nothing connects until run(). */
export async function createPbtRun(options: RunOptions, deps: RunTrainingDeps): Promise<TrainingRun> {
  const pbt = options.pbt;
  if (pbt === null) throw new PbtConfigurationError("The configuration has no pbt: section; add one (docs/pbt.md) or train with `learn`.");
  const params = searchedEnvironmentParameters(pbt);
  if (params.length > 0) {
    const where = options.env_settings.env_path === null ? "listening for the Editor, the whole population shares one scene" : "the members share their environments (agents split by agent id)";
    throw new PbtConfigurationError(
      `pbt.explore.environment_parameters (${params.join(", ")}) cannot be searched here: ${where}, and environment parameters are global to an environment. Remove them from pbt.explore.`,
    );
  }
  const driver = new PbtDriver(pbt, options.env_settings.seed, deps.logger);
  const run = await TrainingRun.create(options, {
    ...deps,
    createTrainer: driver.wrapFactory(deps.createTrainer),
    teamSize: driver.teamSize,
    extension: driver,
  });
  await driver.prepare(run.runDir, options.checkpoint_settings.resume || options.checkpoint_settings.load_model);
  return run;
}

export async function runPbt(options: RunOptions, deps: RunTrainingDeps): Promise<RunResult> {
  return (await createPbtRun(options, deps)).run();
}
