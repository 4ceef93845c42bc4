// mlagents-ts command line: each sub-command lives in its own module under commands/.
import { Command, CommanderError } from "commander";
import { errorMessage } from "../util/logger.js";
import { commands } from "./commands/registry.js";
import { PACKAGE_VERSION } from "./version.js";

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("mlagents-ts")
    .description("Train Unity ML-Agents behaviors with Soft Actor-Critic, from TypeScript")
    .version(PACKAGE_VERSION)
    .exitOverride();
  let exitCode = 0;
  for (const register of commands) register(program, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`[ERROR] ${errorMessage(error)}\n`);
    return 1;
  }
  return exitCode;
}
