// Registry of sub-commands. Each module exports `register(program, setExitCode)`.
import type { Command } from "commander";

export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;

export const commands: RegisterCommand[] = [];
