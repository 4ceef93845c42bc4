// A `mlagents-ts <command>` child process for the tests that run the CLI as a user does (kill -9 and
// --resume, populations): its output collected, waits on lines (events, not fixed times), and its exit.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface Child {
  readonly proc: ChildProcess;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `re` in the output; rejects after `ms` or when the process exits first. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
}

/**
 * `node bin/mlagents-ts.js ...args` in the repository root, stdout and stderr collected together;
 * `env` is added to this process's environment (e.g. a password that must not be on the command line).
 */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, [path.join(ROOT, "bin", "mlagents-ts.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once("exit", (code, signal) => r({ code, signal })));
  return {
    proc,
    output: () => out,
    exited,
    waitFor: async (re, ms = 240_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (Date.now() > deadline || proc.exitCode !== null || proc.signalCode !== null) throw new Error(`no output matching ${re}; output:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
