import { expect } from "vitest";
import { ConfigError } from "../../src/config/errors.js";

/** Runs `fn`, expects a ConfigError, and returns it for further checks. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

/** Minimal valid SAC behavior entry, as YAML lines indented under "behaviors:". */
export const sacBehavior = (name = "3DBall"): string => `behaviors:\n  ${name}:\n    trainer_type: sac\n`;
