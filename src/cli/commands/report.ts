// `mlagents-ts report <run-dir> [--out FILE]`: the run's curves (and a population's lineage) as
// one self-contained HTML file that opens from disk.
import { displayPath } from "../../util/display-path.js";
import { createLogger, errorMessage } from "../../util/logger.js";
import { REPORT_FILE, writeReport } from "../../report/index.js";
import type { RegisterCommand } from "./index.js";

export const registerReport: RegisterCommand = (program, setExitCode) => {
  program
    .command("report")
    .description("Write an HTML report of a run: reward, losses, entropy coefficient, episode length; for a population also hyperparameters and the lineage")
    .argument("<run-dir>", "results/<run-id>")
    .option("--out <file>", `output HTML file (default <run-dir>/${REPORT_FILE})`)
    .action(async (runDir: string, o: { out?: string }) => {
      const logger = createLogger();
      try {
        const r = await writeReport(runDir, o.out);
        for (const w of r.warnings) logger.warn(w);
        logger.info(`Wrote ${displayPath(r.path)} (${r.behaviors} behavior${r.behaviors === 1 ? "" : "s"}, ${r.charts} charts, ${r.bytes} bytes).`);
        setExitCode(0);
      } catch (error) {
        logger.error(errorMessage(error));
        setExitCode(1);
      }
    });
};
