// A behavior spec on disk next to its checkpoints, so a later session (or --resume) can tell
// whether Unity still sends what the run was trained on.
import { ActionSpec, type BehaviorSpec, type DimensionProperty, type ObservationType } from "../env/index.js";

interface SpecJson {
  observations: { name: string; shape: number[]; dimensionProperties: number[]; observationType: number }[];
  continuousSize: number;
  discreteBranches: number[];
}

export function behaviorSpecToJson(spec: BehaviorSpec): string {
  const json: SpecJson = {
    observations: spec.observationSpecs.map((o) => ({
      name: o.name,
      shape: [...o.shape],
      dimensionProperties: [...o.dimensionProperties],
      observationType: o.observationType,
    })),
    continuousSize: spec.actionSpec.continuousSize,
    discreteBranches: [...spec.actionSpec.discreteBranches],
  };
  return JSON.stringify(json, null, 2) + "\n";
}

export function behaviorSpecFromJson(text: string): BehaviorSpec {
  const json = JSON.parse(text) as SpecJson;
  return {
    observationSpecs: json.observations.map((o) => ({
      name: o.name,
      shape: o.shape,
      dimensionProperties: o.dimensionProperties as DimensionProperty[],
      observationType: o.observationType as ObservationType,
    })),
    actionSpec: new ActionSpec(json.continuousSize, json.discreteBranches),
  };
}
