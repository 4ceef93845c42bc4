// Console logging in ML-Agents' shape: "[INFO] message"; with debug on, "time LEVEL message".
// One plain line per event: callers pass messages, never stack traces.

export type LogLevel = "debug" | "info" | "warn" | "error";

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const label: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warn: "WARNING", error: "ERROR" };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to stdout for info/debug and stderr for warn/error. */
  sink?: (level: LogLevel, line: string) => void;
  timestamps?: boolean;
}

const defaultSink = (level: LogLevel, line: string): void => {
  if (order[level] >= order.warn) process.stderr.write(line + "\n");
  else process.stdout.write(line + "\n");
};

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = order[options.level ?? (process.env.MLAGENTS_TS_DEBUG ? "debug" : "info")];
  const sink = options.sink ?? defaultSink;
  const emit = (level: LogLevel, message: string): void => {
    if (order[level] < min) return;
    const prefix = options.timestamps ? `${new Date().toISOString()} ${label[level]}` : `[${label[level]}]`;
    sink(level, `${prefix} ${message}`);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
  };
}

/** A logger that records lines in memory: for tests that assert what a user would read. */
export function createMemoryLogger(level: LogLevel = "debug"): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, sink: (_l, line) => lines.push(line) });
  return Object.assign(logger, { lines });
}

/** Turns anything thrown into one line: the message, never the stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
