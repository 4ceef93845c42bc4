// results/<run-id>/pbt/population.json: what --resume needs to continue a population, written
// atomically whenever the population changes (a snapshot recorded, an exploit decided or loaded),
// whenever the members together have trained `ready` more agent steps since, and at the end: each behavior's coordinator state (members, hyperparameters, readiness clocks,
// scores, retained snapshot ids, random state) and the exploits decided but not yet confirmed.
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import type { ExploitDecision, PopulationState } from "../../trainers/pbt/index.js";
import { writeFileAtomic } from "../../util/atomic-file.js";

export interface BehaviorPopulationFile {
  coordinator: PopulationState;
  /** Exploits decided and not yet confirmed loaded: redone on --resume. */
  pending: ExploitDecision[];
}

export interface PopulationFile {
  version: 1;
  behaviors: Record<string, BehaviorPopulationFile>;
}

export function populationFilePath(runDir: string): string {
  return path.join(runDir, "pbt", "population.json");
}

export async function readPopulationFile(runDir: string): Promise<PopulationFile | null> {
  const file = populationFilePath(runDir);
  if (!existsSync(file)) return null;
  const data = JSON.parse(await fs.readFile(file, "utf8")) as PopulationFile;
  if (data.version !== 1 || typeof data.behaviors !== "object" || data.behaviors === null) throw new Error(`${file}: not a population state of version 1`);
  return data;
}

export async function writePopulationFile(runDir: string, data: PopulationFile): Promise<void> {
  const file = populationFilePath(runDir);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(data, null, 1));
}
