// The `emulate` command line, shared by `mlagents-ts emulate` and the process entry point main.ts:
// run a built-in environment against a trainer, one line on connect, one on exit.
import { Command, InvalidArgumentError, Option } from "commander";
import { createLogger, errorMessage, type Logger } from "../util/logger.js";
import { UnityEmulator, type EmulatorResult, type EmulatorStopReason } from "./client.js";
import { BUILTIN_ENVIRONMENTS } from "./environments/registry.js";

export interface EmulateCommandOptions {
  env: string;
  port: number;
  host?: string;
  seed?: number;
  numAreas?: number;
  fault?: "crash" | "hang" | "stop";
  faultAfter?: number;
  maxRequests?: number;
  debug?: boolean;
}

const exitLine: Record<EmulatorStopReason, string> = {
  "trainer-closed": "Trainer closed the connection",
  "quit-command": "Trainer sent QUIT",
  "max-requests": "Reached --max-requests; said goodbye (status 400)",
  stopped: "Stopped; said goodbye (status 400)",
  "fault-stop": "Fault injected: pressed Stop (status 400)",
  "fault-hang": "Fault injected: hanging",
  "fault-crash": "Fault injected: crashed",
  "connection-lost": "Lost the connection to the trainer",
  "protocol-error": "Stopped on a protocol error",
};

/** 0 for every orderly end, 1 when the connection or the trainer's replies failed. */
export function exitCodeFor(reason: EmulatorStopReason): number {
  return reason === "connection-lost" || reason === "protocol-error" ? 1 : reason === "fault-crash" ? 3 : 0;
}

export function describeResult(r: EmulatorResult): string {
  const counts = `after ${plural(r.steps, "step")} (${plural(r.requests, "request")}, ${plural(r.episodes, "episode")})`;
  return `${exitLine[r.reason]} ${counts}${r.message ? `: ${r.message}` : ""}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

const integer = (min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
  return n;
};

/** Builds the command; `exitOnCrash` makes a crash fault end the process (entry point only). */
export function emulateCommand(name: string, setExitCode: (code: number) => void, exitOnCrash = false): Command {
  return new Command(name)
    .description("Run a built-in Unity environment emulator that connects to a trainer (the Unity side of the wire)")
    .requiredOption("--env <name>", `built-in environment: ${Object.keys(BUILTIN_ENVIRONMENTS).join(", ")}`)
    .requiredOption("--port <n>", "trainer port", integer(1))
    .option("--host <host>", "trainer host", "localhost")
    .option("--seed <n>", "game RNG seed (default: the trainer's handshake seed)", integer(-0x80000000))
    .option("--num-areas <n>", "training areas (default: the trainer's num_areas)", integer(1))
    .addOption(new Option("--fault <kind>", "inject a fault").choices(["crash", "hang", "stop"]))
    .option("--fault-after <n>", "step requests before the fault", integer(0), 0)
    .option("--max-requests <n>", "say goodbye after this many step requests", integer(0))
    .option("--debug", "debug logging")
    .action(async (opts: EmulateCommandOptions) => {
      const logger = createLogger({ level: opts.debug ? "debug" : "info" });
      setExitCode(await runEmulator(opts, logger, exitOnCrash));
    });
}

/** Runs one session and returns the exit code; SIGINT/SIGTERM say goodbye like Unity quitting. */
export async function runEmulator(opts: EmulateCommandOptions, logger: Logger, exitOnCrash: boolean): Promise<number> {
  let emulator: UnityEmulator;
  try {
    emulator = new UnityEmulator({
      env: opts.env,
      port: opts.port,
      host: opts.host,
      seed: opts.seed,
      numAreas: opts.numAreas,
      maxRequests: opts.maxRequests,
      fault: opts.fault ? { kind: opts.fault, afterSteps: opts.faultAfter ?? 0 } : undefined,
      logger,
      exitOnCrash,
    });
  } catch (error) {
    logger.error(errorMessage(error));
    return 1;
  }
  const onSignal = (): void => void emulator.stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const result = await emulator.run();
    const line = describeResult(result);
    if (exitCodeFor(result.reason) === 0) logger.info(line);
    else logger.error(line);
    if (result.reason === "fault-hang") await new Promise(() => setInterval(() => undefined, 1 << 30)); // frozen until killed
    return exitCodeFor(result.reason);
  } catch (error) {
    logger.error(errorMessage(error));
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
