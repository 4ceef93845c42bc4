// Process entry point: `node --import tsx src/emulator/main.ts --env 3dball --port 5004`.
// The trainer spawns one of these per `--env builtin:NAME` worker.
//
// `--fault-once-file PATH` (entry point only): the --fault flags apply only to the first process
// that creates PATH; later launches (a restarted worker, the other workers) run without the fault.
// Tests use it to crash or hang a player once and check that its restart succeeds.
import { closeSync, openSync } from "node:fs";
import { CommanderError } from "commander";
import { emulateCommand } from "./command.js";

/** Removes --fault-once-file PATH from argv and, when PATH already exists, the fault flags too. */
function applyFaultOnce(argv: readonly string[]): string[] {
  const at = argv.indexOf("--fault-once-file");
  if (at < 0 || at + 1 >= argv.length) return [...argv];
  const file = argv[at + 1]!;
  const rest = [...argv.slice(0, at), ...argv.slice(at + 2)];
  try {
    closeSync(openSync(file, "wx")); // atomic: exactly one process wins
    return rest;
  } catch {
    const out: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "--fault" || rest[i] === "--fault-after") i++;
      else out.push(rest[i]!);
    }
    return out;
  }
}

let exitCode = 0;
const command = emulateCommand("emulate", (code) => (exitCode = code), true).exitOverride();
try {
  await command.parseAsync(applyFaultOnce(process.argv));
} catch (error) {
  exitCode = error instanceof CommanderError ? error.exitCode : 1;
}
process.exit(exitCode);
