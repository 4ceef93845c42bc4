// `pbt --device gpu`: a team's members whose engines share a GPU population worker (one per
// network layout, src/trainers/gpu/gpu-population.ts) update together, each round's due updates
// in one call that the worker runs as stacked updates (PopulationUpdater). Built with the team; it
// says once which members are stacked and which keep a worker of their own (visual observations).
import type { Logger } from "../../util/logger.js";
import { PopulationUpdater } from "../../trainers/sac/population-update.js";
import { SacTrainer } from "../../trainers/sac/sac-trainer.js";
import type { BehaviorTeam } from "../behavior-team.js";
import type { TeamUpdater } from "../trainer-controller.js";

/** The team's updater when some of its members share a GPU population worker, else null (each member updates alone). */
export function gpuTeamUpdater(team: BehaviorTeam, logger: Logger): TeamUpdater | null {
  const trainers = team.members.map((m) => m.trainer);
  if (!trainers.every((t) => t instanceof SacTrainer)) return null;
  const updater = new PopulationUpdater(trainers as SacTrainer[]);
  const { gpu, separate } = updater.groups;
  if (gpu.length === 0) {
    updater.dispose();
    return null;
  }
  const names = (indices: readonly number[]): string => indices.map((i) => team.members[i]!.index).join(", ");
  const stacked = gpu.map((g) => `members ${names(g)} stacked in one GPU worker (one update call per round)`).join("; ");
  const own = separate.length ? `; members ${names(separate)} in a GPU worker each (visual observations are not stacked)` : "";
  logger.info(`PBT ${team.name} on the GPU: ${stacked}${own}.`);
  return updater;
}
