// Registry of sub-commands. Each module exports a `register(program, setExitCode)`.
import { registerEmulate } from "./emulate.js";
import { registerExport } from "./export.js";
import type { RegisterCommand } from "./index.js";
import { registerInspect } from "./inspect.js";
import { registerLearn } from "./learn.js";
import { registerPbt } from "./pbt.js";
import { registerReport } from "./report.js";
import { registerRun } from "./run.js";
import { registerWorker } from "./worker.js";

export const commands: RegisterCommand[] = [registerLearn, registerPbt, registerInspect, registerEmulate, registerExport, registerRun, registerReport, registerWorker];
