// The job types of the distributed population's queue and their validation. Whatever comes out of
// Redis is untrusted input (anyone who can reach the server can write a job), so a worker parses a
// job's data and the coordinator a job's result field by field before using them: only these known
// shapes are accepted, unknown fields are refused, and a refusal names the field path.
import { isContentHash } from "./content-store.js";
import { JobDataError, quoteForMessage } from "./errors.js";

/** The only job name the workers run. */
export const SEGMENT_JOB = "segment";

/** One training segment of one population member: what a worker runs. */
export interface SegmentJobData {
  runId: string;
  behavior: string;
  member: number;
  /** Sequence number of the member's segment (0, 1, ...): with the member, it makes the job id. */
  segment: number;
  /** Content hash of the trainer state to start from; null for a member's first segment. */
  inputSnapshot: string | null;
  hyperparameters: Record<string, number>;
  environmentParameters: Record<string, number>;
  /** Agent steps to run in this segment. */
  steps: number;
  seed: number;
}

/** What a worker reports for a finished segment. */
export interface SegmentResult {
  /** Content hash of the trainer state at the end of the segment. */
  outputSnapshot: string;
  steps: number;
  episodeReturns: number[];
  /** One per entry of episodeReturns. */
  episodeLengths: number[];
  /** Which worker ran it (host and process), for the lineage log and --status. */
  worker: string;
  /** The trainer's step counter when the segment started (from its input snapshot). */
  fromSteps: number;
  /** The environment's behavior spec (behaviorSpecToJson), which the coordinator's ONNX export needs. */
  behaviorSpec: string;
}

// Bounds that keep a hostile job from making a worker allocate or log without limit.
const MAX_NAME_CHARS = 256;
const MAX_PARAMETERS = 256;
const MAX_PARAMETER_NAME_CHARS = 128;
const MAX_MEMBER = 100_000;
const MAX_STEPS = 1_000_000_000;
const MAX_EPISODES = 1_000_000;
/** A behavior spec is a few hundred bytes; 64 KiB leaves room for many observations. */
const MAX_SPEC_CHARS = 64 * 1024;
const MAX_DIMS = 16;
const MAX_OBSERVATIONS = 64;
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Keys that would reach Object.prototype when copied carelessly: never a parameter name. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** A short description of a bad value for a message (never the whole value). */
function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return quoteForMessage(value, 40);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

const fail = (path: string, expected: string, value: unknown): never => {
  throw new JobDataError(path, `expected ${expected}, got ${shown(value)}`);
};

/** A plain object with exactly the keys `keys` (refuses arrays, null, missing and unknown keys). */
function record(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(path, "an object", value);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) throw new JobDataError(`${path}.${key.slice(0, 40)}`, `unknown field (expected ${keys.join(", ")})`);
  }
  for (const key of keys) if (!Object.hasOwn(obj, key)) throw new JobDataError(`${path}.${key}`, "missing");
  return obj;
}

function name(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_NAME_CHARS || CONTROL.test(value)) {
    return fail(path, `a name of 1-${MAX_NAME_CHARS} printable characters`, value);
  }
  return value;
}

function runIdField(value: unknown, path: string): string {
  const id = name(value, path);
  if (/[\\/]/.test(id) || id === "." || id === "..") return fail(path, "a run id (one folder name: no / or \\)", value);
  return id;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    return fail(path, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return fail(path, "a finite number", value);
  return value;
}

function contentHashField(value: unknown, path: string): string {
  if (!isContentHash(value)) return fail(path, "a content hash (64 lowercase hex digits)", value);
  return value;
}

/** A name -> finite number map (hyperparameters, environment parameters), copied into a fresh object. */
function numberMap(value: unknown, path: string): Record<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(path, "an object of numbers", value);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_PARAMETERS) throw new JobDataError(path, `more than ${MAX_PARAMETERS} entries (${entries.length})`);
  const out: Record<string, number> = {};
  for (const [key, v] of entries) {
    // Environment parameter names are whatever the scene reads (Unity allows any string): only
    // control characters, overlong names and prototype keys are refused.
    if (key === "" || key.length > MAX_PARAMETER_NAME_CHARS || CONTROL.test(key) || FORBIDDEN_KEYS.has(key)) {
      throw new JobDataError(path, `bad parameter name ${quoteForMessage(key, 40)} (1-${MAX_PARAMETER_NAME_CHARS} printable characters)`);
    }
    out[key] = finite(v, `${path}.${key}`);
  }
  return out;
}

function array<T>(value: unknown, path: string, item: (v: unknown, p: string) => T): T[] {
  if (!Array.isArray(value)) return fail(path, "an array", value);
  if (value.length > MAX_EPISODES) throw new JobDataError(path, `more than ${MAX_EPISODES} entries (${value.length})`);
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

const SPEC_KEYS = ["observations", "continuousSize", "discreteBranches"] as const;
const OBSERVATION_KEYS = ["name", "shape", "dimensionProperties", "observationType"] as const;

function boundedArray<T>(value: unknown, path: string, max: number, item: (v: unknown, p: string) => T): T[] {
  if (Array.isArray(value) && value.length > max) throw new JobDataError(path, `more than ${max} entries (${value.length})`);
  return array(value, path, item);
}

/** The behavior spec JSON text (behaviorSpecToJson's shape), checked field by field; returns the text. */
function behaviorSpecField(value: unknown, path: string): string {
  if (typeof value !== "string" || value.length > MAX_SPEC_CHARS) return fail(path, `a behavior spec in JSON (at most ${MAX_SPEC_CHARS} characters)`, value);
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new JobDataError(path, "not JSON");
  }
  const spec = record(json, path, SPEC_KEYS);
  boundedArray(spec.observations, `${path}.observations`, MAX_OBSERVATIONS, (o, p) => {
    const obs = record(o, p, OBSERVATION_KEYS);
    name(obs.name, `${p}.name`);
    boundedArray(obs.shape, `${p}.shape`, MAX_DIMS, (d, q) => integer(d, q, 0, MAX_STEPS));
    boundedArray(obs.dimensionProperties, `${p}.dimensionProperties`, MAX_DIMS, (d, q) => integer(d, q, 0, 255));
    integer(obs.observationType, `${p}.observationType`, 0, 255);
  });
  integer(spec.continuousSize, `${path}.continuousSize`, 0, 1_000_000);
  boundedArray(spec.discreteBranches, `${path}.discreteBranches`, 1_000, (b, q) => integer(b, q, 1, 1_000_000));
  return value;
}

const JOB_KEYS = ["runId", "behavior", "member", "segment", "inputSnapshot", "hyperparameters", "environmentParameters", "steps", "seed"] as const;
const RESULT_KEYS = ["outputSnapshot", "steps", "episodeReturns", "episodeLengths", "worker", "fromSteps", "behaviorSpec"] as const;

/** Validates a segment job's data (from Redis); throws JobDataError naming the field ("data.member"). */
export function parseSegmentJobData(x: unknown): SegmentJobData {
  const o = record(x, "data", JOB_KEYS);
  return {
    runId: runIdField(o.runId, "data.runId"),
    behavior: name(o.behavior, "data.behavior"),
    member: integer(o.member, "data.member", 0, MAX_MEMBER),
    segment: integer(o.segment, "data.segment", 0, Number.MAX_SAFE_INTEGER),
    inputSnapshot: o.inputSnapshot === null ? null : contentHashField(o.inputSnapshot, "data.inputSnapshot"),
    hyperparameters: numberMap(o.hyperparameters, "data.hyperparameters"),
    environmentParameters: numberMap(o.environmentParameters, "data.environmentParameters"),
    steps: integer(o.steps, "data.steps", 1, MAX_STEPS),
    seed: integer(o.seed, "data.seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  };
}

/** Validates a segment's result (a job's return value); throws JobDataError naming the field ("result.steps"). */
export function parseSegmentResult(x: unknown): SegmentResult {
  const o = record(x, "result", RESULT_KEYS);
  const episodeReturns = array(o.episodeReturns, "result.episodeReturns", finite);
  const episodeLengths = array(o.episodeLengths, "result.episodeLengths", (v, p) => integer(v, p, 1, MAX_STEPS));
  if (episodeLengths.length !== episodeReturns.length) {
    throw new JobDataError(
      "result.episodeLengths",
      `has ${episodeLengths.length} entries but result.episodeReturns has ${episodeReturns.length} (one per episode)`,
    );
  }
  return {
    outputSnapshot: contentHashField(o.outputSnapshot, "result.outputSnapshot"),
    steps: integer(o.steps, "result.steps", 0, MAX_STEPS),
    episodeReturns,
    episodeLengths,
    worker: name(o.worker, "result.worker"),
    fromSteps: integer(o.fromSteps, "result.fromSteps", 0, Number.MAX_SAFE_INTEGER),
    behaviorSpec: behaviorSpecField(o.behaviorSpec, "result.behaviorSpec"),
  };
}

/** Escapes everything but [A-Za-z0-9_.] as %XX (UTF-8), so "-" can separate the parts unambiguously. */
function idPart(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * The BullMQ job id of a segment: the same for the same (run, behavior, member, segment), so a
 * restarted coordinator that adds a job again is deduplicated by BullMQ; different for any other
 * tuple; never contains ':' (BullMQ refuses it: it separates the parts of its Redis keys).
 */
export function segmentJobId(runId: string, behavior: string, member: number, segment: number): string {
  integer(member, "member", 0, MAX_MEMBER);
  integer(segment, "segment", 0, Number.MAX_SAFE_INTEGER);
  return `seg-${idPart(runId)}-${idPart(behavior)}-m${member}-s${segment}`;
}
