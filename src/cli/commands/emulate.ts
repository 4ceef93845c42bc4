// `mlagents-ts emulate`: run a built-in Unity environment emulator against a trainer.
import type { Command } from "commander";
import { emulateCommand } from "../../emulator/command.js";

export const registerEmulate = (program: Command, setExitCode: (code: number) => void): void => {
  program.addCommand(emulateCommand("emulate", setExitCode));
};
