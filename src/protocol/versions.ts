// Protocol and package versions, the compatibility rule of docs/protocol.md §2.4, and our capabilities.
import type { UnityRLCapabilitiesProto } from "./generated/mlagents_envs/communicator_objects/capabilities.js";

/** The ML-Agents communicator API version we speak (Release 21/22). */
export const COMMUNICATION_API_VERSION = "1.5.0";

/** mlagents-ts's own version, reported to Unity as the trainer package version (kept equal to package.json by a test). */
export const TRAINER_PACKAGE_VERSION = "0.1.0";

// "major.minor" or "major.minor.patch", as Python's StrictVersion reads communication versions.
const VERSION_RE = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

/** Major 0: majors and minors must match. Otherwise majors must match. Malformed strings are incompatible. */
export function isVersionCompatible(unity: string, trainer: string): boolean {
  const u = VERSION_RE.exec(unity);
  const t = VERSION_RE.exec(trainer);
  if (!u || !t) return false;
  const [uMajor, uMinor] = [Number(u[1]), Number(u[2])];
  const [tMajor, tMinor] = [Number(t[1]), Number(t[2])];
  if (uMajor === 0) return uMajor === tMajor && uMinor === tMinor;
  return uMajor === tMajor;
}

/** All seven capabilities on, as Release 21/22 trainers report them (docs/protocol.md §2.5). */
export function allCapabilities(): UnityRLCapabilitiesProto {
  return {
    baseRLCapabilities: true,
    concatenatedPngObservations: true,
    compressedChannelMapping: true,
    hybridActions: true,
    trainingAnalytics: true,
    variableLengthObservation: true,
    multiAgentGroups: true,
  };
}
