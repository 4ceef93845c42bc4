// `mlagents-ts export <run-dir | checkpoint.ckpt>`: write the .onnx of a checkpoint on demand.
import * as path from "node:path";
import { InvalidArgumentError } from "commander";
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from "../../export/index.js";
import { initBackend } from "../../trainers/backend.js";
import { createLogger, errorMessage } from "../../util/logger.js";
import { exportCheckpoint } from "../run/export-checkpoint.js";
import type { RegisterCommand } from "./index.js";

function parseOpset(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < MIN_OPSET || n > MAX_OPSET) {
    throw new InvalidArgumentError(`expected an integer from ${MIN_OPSET} to ${MAX_OPSET}.`);
  }
  return n;
}

/** Relative to the working directory when inside it, else absolute. */
function display(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

export const registerExport: RegisterCommand = (program, setExitCode) => {
  program
    .command("export")
    .description("Export a checkpoint's policy to ONNX for Unity (Barracuda / Sentis)")
    .argument("<source>", "results/<run-id> (its latest checkpoint), a behavior folder, or a .ckpt file")
    .option("--behavior <name>", "behavior to export when the run has several")
    .option("--out <file>", "output .onnx (default results/<run-id>/<behavior>.onnx, or next to the .ckpt)")
    .option("--opset <n>", `ONNX opset, ${MIN_OPSET}..${MAX_OPSET} (default ${DEFAULT_OPSET}, what Barracuda needs)`, parseOpset)
    .action(async (source: string, o: { behavior?: string; out?: string; opset?: number }) => {
      const logger = createLogger();
      try {
        await initBackend("auto");
        const r = await exportCheckpoint({ source, behavior: o.behavior, out: o.out, opset: o.opset, logger });
        logger.info(
          `Exported ${r.behaviorName} (step ${r.step}) from ${display(r.checkpointPath)} ` +
            `to ${display(r.outPath)} (${r.bytes} bytes, opset ${o.opset ?? DEFAULT_OPSET}).`,
        );
        setExitCode(0);
      } catch (error) {
        logger.error(errorMessage(error));
        setExitCode(1);
      }
    });
};
