// The built-in environments by name (`--env builtin:<name>`, `emulate --env <name>`).
import { UnknownEnvironmentError } from "../errors.js";
import { ball3d } from "./ball-3d.js";
import { basic } from "./basic.js";
import type { EmulatedEnvironment } from "./environment.js";
import { forage } from "./forage.js";
import { gridWorld } from "./grid-world.js";
import { hybridPoint } from "./hybrid-point.js";

export const BUILTIN_ENVIRONMENTS: Readonly<Record<string, EmulatedEnvironment>> = Object.freeze({
  "3dball": ball3d,
  basic,
  forage,
  gridworld: gridWorld,
  hybrid: hybridPoint,
});

/** Case-insensitive lookup; throws UnknownEnvironmentError listing the known names. */
export function getBuiltinEnvironment(name: string): EmulatedEnvironment {
  const env = BUILTIN_ENVIRONMENTS[name.toLowerCase()];
  if (!env) throw new UnknownEnvironmentError(name, Object.keys(BUILTIN_ENVIRONMENTS));
  return env;
}
