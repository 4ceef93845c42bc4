// What every sub-command module exports. The list of sub-commands is in registry.ts, so that the
// modules can import this type without an import cycle (the layer check forbids cycles).
import type { Command } from "commander";

export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;
