// Starts a built Unity player (docs/protocol.md §2.11) or a built-in emulated environment ("builtin:<name>") as a
// child process in its own process group, so kill() takes down everything it started.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UnityExecutableNotFoundError } from "./errors.js";

export const BUILTIN_PREFIX = "builtin:";

export interface LaunchOptions {
  /** Path to a player (with or without its extension) or "builtin:<name>". */
  target: string;
  /** The trainer's port for this worker (base_port + worker_id). */
  port: number;
  workerId: number;
  /** Adds -nographics -batchmode. */
  noGraphics?: boolean;
  /** results/<run-id>/run_logs: the player writes Player-<worker>.log there. */
  runLogsDir?: string;
  /** Passed verbatim after our own arguments. */
  envArgs?: readonly string[];
  /** Relative player paths are resolved against this (default process.cwd()). */
  cwd?: string;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. not executable). */
  readonly error?: string;
}

export interface LaunchedEnvironment {
  readonly pid: number | undefined;
  /** The command line used: executable then arguments. */
  readonly command: readonly string[];
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Signals the whole process group (default SIGTERM). */
  kill(signal?: NodeJS.Signals): void;
}

/** Candidates tried for a player path, in order (mlagents_envs env_utils.validate_environment_path). */
export function executableCandidates(envPath: string, cwd: string = process.cwd()): string[] {
  const full = resolve(cwd, envPath.trim());
  const stripped = full.replace(/\.(app|exe|x86_64|x86)$/, "");
  const name = basename(stripped);
  const out = [full, `${stripped}.x86_64`, `${stripped}.x86`, join(`${stripped}.app`, "Contents", "MacOS", name), `${stripped}.exe`];
  return [...new Set(out)];
}

/** The first candidate that is a regular file; throws UnityExecutableNotFoundError naming all tried. */
export function resolveExecutable(envPath: string, cwd?: string): string {
  const tried = executableCandidates(envPath, cwd);
  for (const p of tried) {
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not there: try the next candidate
    }
  }
  throw new UnityExecutableNotFoundError(envPath, tried);
}

/** Arguments for a player, in Python's order: graphics flags, port, log file, then env args verbatim. */
export function playerArgs(opts: Omit<LaunchOptions, "target" | "cwd">): string[] {
  const args: string[] = [];
  if (opts.noGraphics) args.push("-nographics", "-batchmode");
  args.push("--mlagents-port", String(opts.port));
  const envArgs = opts.envArgs ?? [];
  if (opts.runLogsDir && !envArgs.some((a) => a.toLowerCase() === "-logfile")) {
    args.push("-logFile", playerLogPath(opts.runLogsDir, opts.workerId));
  }
  args.push(...envArgs);
  return args;
}

export function playerLogPath(runLogsDir: string, workerId: number): string {
  return join(runLogsDir, `Player-${workerId}.log`);
}

/** The repository root (holds package.json), found from this file for both src/ and dist/ layouts. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/** The command line for a target: a player, or the emulator for "builtin:<name>". */
export function launchCommand(opts: LaunchOptions): string[] {
  if (opts.target.startsWith(BUILTIN_PREFIX)) {
    const name = opts.target.slice(BUILTIN_PREFIX.length);
    const main = join(repoRoot(), "src", "emulator", "main.ts");
    return [process.execPath, "--import", "tsx", main, "--env", name, "--port", String(opts.port), ...(opts.envArgs ?? [])];
  }
  return [resolveExecutable(opts.target, opts.cwd), ...playerArgs(opts)];
}

/**
 * Spawns the environment detached (own process group). A player writes its own -logFile; a built-in
 * environment's stdout/stderr go to the same Player-<worker>.log. Without runLogsDir output is discarded.
 */
export function launchEnvironment(opts: LaunchOptions): LaunchedEnvironment {
  const command = launchCommand(opts);
  let logFd: number | undefined;
  if (opts.runLogsDir && opts.target.startsWith(BUILTIN_PREFIX)) {
    mkdirSync(opts.runLogsDir, { recursive: true });
    logFd = openSync(playerLogPath(opts.runLogsDir, opts.workerId), "a");
  }
  const out = logFd ?? "ignore";
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    cwd: opts.target.startsWith(BUILTIN_PREFIX) ? repoRoot() : opts.cwd,
    detached: true,
    stdio: ["ignore", out, out],
  });
  if (logFd !== undefined) closeSync(logFd);
  const exited = new Promise<ProcessExit>((resolveExit) => {
    child.once("error", (e) => resolveExit({ code: null, signal: null, error: e.message }));
    child.once("exit", (code, signal) => resolveExit({ code, signal }));
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    pid: child.pid,
    command,
    exited,
    kill(signal: NodeJS.Signals = "SIGTERM"): void {
      if (done || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal); // the group: the player and anything it started
      } catch {
        child.kill(signal);
      }
    },
  };
}

/** Python's wording: "Environment shut down with return code N (SIGNAME)." */
export function describeExit(exit: ProcessExit): string {
  if (exit.error) return `Environment could not be started: ${exit.error}`;
  if (exit.signal) return `Environment shut down by signal ${exit.signal}.`;
  return `Environment shut down with return code ${exit.code}.`;
}
