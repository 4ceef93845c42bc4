// `run`'s code path against an in-process built-in emulator over the real gRPC protocol: runPolicy
// listens on a free loopback port as it does for the Editor, the emulator dials in like Unity.
import { runPolicy, type RunPolicyOptions, type RunPolicyReport } from "../../../src/cli/run/run-policy.js";
import { UnityEmulator, type EmulatorResult } from "../../../src/emulator/index.js";
import { createMemoryLogger } from "../../../src/util/logger.js";

export interface EmulatedRun {
  readonly report: RunPolicyReport;
  readonly emulator: EmulatorResult | null;
  readonly lines: string[];
}

export async function runAgainstEmulator(
  model: string,
  envName: string,
  opts: Partial<Omit<RunPolicyOptions, "model" | "env" | "logger" | "onListening">> & { emulatorSeed?: number } = {},
): Promise<EmulatedRun> {
  const logger = createMemoryLogger("info");
  let ran: Promise<EmulatorResult | null> = Promise.resolve(null);
  const report = await runPolicy({
    model,
    basePort: 0,
    deterministic: true,
    timeoutWaitS: 20,
    seed: opts.emulatorSeed ?? 1,
    timeScale: 20,
    ...opts,
    logger,
    onListening: (port) => {
      const emulator = new UnityEmulator({ env: envName, port, host: "127.0.0.1", seed: opts.emulatorSeed, logger: createMemoryLogger() });
      ran = emulator.run().catch(() => null);
    },
  });
  return { report, emulator: await ran, lines: logger.lines };
}
