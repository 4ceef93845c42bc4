// Public surface of the PBT pieces: pure selection and explore, the population coordinator, the
// lineage log and its replay. The run loop (src/run/) drives them; docs/pbt.md explains the rules.

export { clipToRule, explore, sampleInitial, type Uniform } from "./explore.js";
export { PopulationCoordinator, type ExploitDecision, type Outcome } from "./coordinator.js";
export type { MemberState, PopulationState, ScoreRecord, SnapshotRefs } from "./population-state.js";
export { quantiles, shouldReplace, type Quantiles, type ReplacementCriteria, type ReplacementVerdict, type ScoredMember } from "./selection.js";
export { logGamma, regularizedIncompleteBeta, studentTCdf } from "./student-t.js";
export { mean, sampleVariance, welchTTest, type WelchResult } from "./welch-test.js";
export {
  exploitEvent,
  failedEvent,
  initEvent,
  LineageLog,
  parseLineageLog,
  readLineageLog,
  type LineageEvent,
  type LineageKind,
  type LineageRead,
} from "./lineage-log.js";
export { replaySchedule, type ScheduleSegment } from "./replay.js";
export { baseHyperparameters, environmentParameterValues, withHyperparameters } from "./trainer-hyperparameters.js";
