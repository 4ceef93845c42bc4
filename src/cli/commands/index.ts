// Registry of sub-commands. Each module exports a `register(program, setExitCode)`.
import type { Command } from "commander";
import { registerEmulate } from "./emulate.js";
import { registerExport } from "./export.js";
import { registerInspect } from "./inspect.js";
import { registerLearn } from "./learn.js";
import { registerReport } from "./report.js";
import { registerRun } from "./run.js";

export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;

export const commands: RegisterCommand[] = [registerLearn, registerInspect, registerEmulate, registerExport, registerRun, registerReport];
