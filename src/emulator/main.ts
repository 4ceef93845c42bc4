// Process entry point: `node --import tsx src/emulator/main.ts --env 3dball --port 5004`.
// The trainer spawns one of these per `--env builtin:NAME` worker.
import { CommanderError } from "commander";
import { emulateCommand } from "./command.js";

let exitCode = 0;
const command = emulateCommand("emulate", (code) => (exitCode = code), true).exitOverride();
try {
  await command.parseAsync(process.argv);
} catch (error) {
  exitCode = error instanceof CommanderError ? error.exitCode : 1;
}
process.exit(exitCode);
