// The HTML report of a run folder (plain runs and populations): public surface of src/report.
export { ReportError } from "./errors.js";
export { type BehaviorRun, loadRun, type RunData, type StatsRecord } from "./load-run.js";
export { type LineageEvent, toLineageEvent } from "./lineage.js";
export { REPORT_FILE, renderReport, type WrittenReport, writeReport } from "./write-report.js";
