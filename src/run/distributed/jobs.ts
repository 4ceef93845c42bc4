// TEMPORARY stand-in for the redisbase branch's jobs.ts (replaced on merge).
export const SEGMENT_JOB = "segment";
export interface SegmentJobData {
  runId: string;
  behavior: string;
  member: number;
  segment: number;
  inputSnapshot: string | null;
  hyperparameters: Record<string, number>;
  environmentParameters: Record<string, number>;
  steps: number;
  seed: number;
}
export interface SegmentResult {
  outputSnapshot: string;
  steps: number;
  episodeReturns: number[];
  episodeLengths: number[];
  worker: string;
}
export function parseSegmentJobData(v: unknown): SegmentJobData {
  return v as SegmentJobData;
}
export function parseSegmentResult(v: unknown): SegmentResult {
  return v as SegmentResult;
}
export function segmentJobId(runId: string, behavior: string, member: number, segment: number): string {
  return `${runId}.${behavior}.m${member}.s${segment}`;
}
