// A PBT run: a TrainingRun whose behaviors are served by populations of pbt.population_size
// members, driven by a PbtDriver, with the members' experience from their own environments or
// from a shared Editor scene.
import { searchedEnvironmentParameters, type RunOptions } from "../../config/index.js";
import { TrainingRun, type RunResult, type RunTrainingDeps } from "../run-training.js";
import { PbtDriver } from "./pbt-driver.js";

export class PbtConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PbtConfigurationError";
  }
}

/**
 * Creates the run (folders, ports) and its population driver; nothing connects until run().
 * Listening for the Editor, the members share its scene: its agents are split by agent id, and
 * environment parameters (global to the scene) cannot be searched. With --env (built-in or
 * launched players) each member owns --num-envs environments of its own (ports base + i, i over
 * all members' environments), and gets its searched environment parameters there; or, with
 * pbt.members_per_environment K > 1, each group of K members owns --num-envs environments of
 * --num-areas x K areas and splits their agents by agent id (N / K times fewer processes).
 */
export async function createPbtRun(options: RunOptions, deps: RunTrainingDeps): Promise<TrainingRun> {
  const pbt = options.pbt;
  if (pbt === null) throw new PbtConfigurationError("The configuration has no pbt: section; add one (docs/pbt.md) or train with `learn`.");
  const params = searchedEnvironmentParameters(pbt);
  const es = options.env_settings;
  const driver = new PbtDriver(pbt, es.seed, deps.logger);
  let run = options;
  let perMember: number | undefined;
  const sharing = pbt.members_per_environment;
  if (pbt.population_size % sharing !== 0) {
    throw new PbtConfigurationError(`pbt.members_per_environment (${sharing}) must divide the population size (${pbt.population_size}).`);
  }
  if (es.env_path === null) {
    if (params.length > 0) {
      throw new PbtConfigurationError(
        `pbt.explore.environment_parameters (${params.join(", ")}) cannot be searched here: listening for the Editor, the whole population shares one scene, ` +
          "whose environment parameters are global. Remove them from pbt.explore, or train with --env (each member then owns its environments).",
      );
    }
  } else {
    perMember = es.num_envs;
    const groups = pbt.population_size / sharing;
    run = { ...options, env_settings: { ...es, num_envs: es.num_envs * groups, num_areas: es.num_areas * sharing } };
    if (params.length > 0) {
      const behaviors = [...options.behaviors.keys()];
      if (behaviors.length !== 1) {
        throw new PbtConfigurationError(
          `pbt.explore.environment_parameters needs exactly one behavior in behaviors: (an environment has one set of parameters), found ${behaviors.length}.`,
        );
      }
      driver.useOwnEnvironments(behaviors[0]!, options.behaviors.get(behaviors[0]!)!, perMember);
    }
  }
  const created = await TrainingRun.create(run, {
    ...deps,
    createTrainer: driver.wrapFactory(deps.createTrainer),
    teamSize: driver.teamSize,
    extension: driver,
    environmentsPerMember: perMember,
    membersPerEnvironment: sharing,
    ownParameters: driver.ownParameters,
  });
  await driver.prepare(created.runDir, options.checkpoint_settings.resume || options.checkpoint_settings.load_model);
  return created;
}

export async function runPbt(options: RunOptions, deps: RunTrainingDeps): Promise<RunResult> {
  return (await createPbtRun(options, deps)).run();
}
