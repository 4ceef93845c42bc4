import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UnityExecutableNotFoundError } from "../../src/env/errors.js";
import {
  describeExit,
  executableCandidates,
  launchCommand,
  launchEnvironment,
  playerArgs,
  repoRoot,
  resolveExecutable,
} from "../../src/env/launcher.js";

const dir = mkdtempSync(join(tmpdir(), "mlagents-ts-launcher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A fake player: records its argv, starts a grandchild, and waits.
const FAKE_PLAYER = `#!/bin/sh
here="$(dirname "$0")"
printf '%s\\n' "$@" > "$here/argv.txt"
sleep 30 &
echo $! > "$here/child.pid"
wait
`;

function writeExecutable(path: string, text: string, mode = 0o755): void {
  writeFileSync(path, text);
  chmodSync(path, mode);
}

/** Polls for a process state; `ms` only bounds a failure (generous: process exits are slow under load). */
async function waitFor(check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting in test");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Gone or a zombie (a container's PID 1 may not reap orphans). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

describe("playerArgs", () => {
  it("orders graphics flags, port, log file, then env args verbatim (docs/protocol.md §2.11)", () => {
    expect(playerArgs({ port: 5006, workerId: 1, noGraphics: true, runLogsDir: "/r/run_logs", envArgs: ["-screen-width", "80"] })).toEqual([
      "-nographics",
      "-batchmode",
      "--mlagents-port",
      "5006",
      "-logFile",
      "/r/run_logs/Player-1.log",
      "-screen-width",
      "80",
    ]);
  });

  it("leaves the log file to env args that already name one, and omits what was not asked for", () => {
    expect(playerArgs({ port: 5005, workerId: 0, runLogsDir: "/r", envArgs: ["-LogFile", "mine.log"] })).toEqual([
      "--mlagents-port",
      "5005",
      "-LogFile",
      "mine.log",
    ]);
    expect(playerArgs({ port: 5005, workerId: 0 })).toEqual(["--mlagents-port", "5005"]);
  });
});

describe("resolveExecutable", () => {
  it("tries the path, .x86_64, .x86, the macOS bundle and .exe", () => {
    const base = join(dir, "Missing");
    expect(executableCandidates(base)).toEqual([base, `${base}.x86_64`, `${base}.x86`, join(`${base}.app`, "Contents", "MacOS", "Missing"), `${base}.exe`]);
    const call = (): unknown => resolveExecutable(base);
    expect(call).toThrow(UnityExecutableNotFoundError);
    expect(call).toThrow(`${base}.x86_64`);
    expect(call).toThrow(`${base}.exe`);
  });

  it("finds a Linux build without its extension, a path with one, and a macOS bundle", () => {
    writeExecutable(join(dir, "Linux.x86_64"), "#!/bin/sh\n");
    expect(resolveExecutable(join(dir, "Linux"))).toBe(join(dir, "Linux.x86_64"));
    expect(resolveExecutable("Linux.x86_64", dir)).toBe(join(dir, "Linux.x86_64"));
    const macDir = join(dir, "Mac.app", "Contents", "MacOS");
    mkdirSync(macDir, { recursive: true });
    writeExecutable(join(macDir, "Mac"), "#!/bin/sh\n");
    expect(resolveExecutable(join(dir, "Mac"))).toBe(join(macDir, "Mac"));
    expect(resolveExecutable(join(dir, "Mac.app"))).toBe(join(macDir, "Mac"));
  });
});

describe("launchCommand for built-in environments", () => {
  it("runs the emulator under tsx with the env name and port", () => {
    const root = repoRoot();
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name).toBe("mlagents-ts");
    expect(launchCommand({ target: "builtin:3dball", port: 5007, workerId: 2 })).toEqual([
      process.execPath,
      "--import",
      "tsx",
      join(root, "src", "emulator", "main.ts"),
      "--env",
      "3dball",
      "--port",
      "5007",
    ]);
  });
});

describe.skipIf(process.platform === "win32")("launchEnvironment", () => {
  it("spawns the player with its arguments and kill() ends its whole process group", async () => {
    const playerDir = join(dir, "player");
    mkdirSync(playerDir);
    writeExecutable(join(playerDir, "Game.x86_64"), FAKE_PLAYER);
    const logs = join(dir, "run_logs");
    const launched = launchEnvironment({ target: join(playerDir, "Game"), port: 5005, workerId: 2, noGraphics: true, runLogsDir: logs, envArgs: ["--foo", "bar baz"] });
    await waitFor(() => existsSync(join(playerDir, "child.pid")) && readFileSync(join(playerDir, "child.pid"), "utf8").endsWith("\n"));
    expect(readFileSync(join(playerDir, "argv.txt"), "utf8").split("\n").slice(0, -1)).toEqual([
      "-nographics",
      "-batchmode",
      "--mlagents-port",
      "5005",
      "-logFile",
      join(logs, "Player-2.log"),
      "--foo",
      "bar baz",
    ]);
    const grandchild = Number(readFileSync(join(playerDir, "child.pid"), "utf8"));
    expect(processGone(grandchild)).toBe(false);
    launched.kill();
    const exit = await launched.exited;
    expect(exit.signal).toBe("SIGTERM");
    expect(describeExit(exit)).toBe("Environment shut down by signal SIGTERM.");
    await waitFor(() => processGone(grandchild));
    launched.kill(); // after exit: a no-op, not an error
  });

  it("reports a file that cannot be executed through exited, without throwing", async () => {
    writeExecutable(join(dir, "NotExec.x86_64"), "#!/bin/sh\n", 0o644);
    const launched = launchEnvironment({ target: join(dir, "NotExec"), port: 5005, workerId: 0 });
    const exit = await launched.exited;
    expect(exit.error).toMatch(/EACCES/);
    expect(describeExit(exit)).toMatch(/^Environment could not be started: /);
  });

  it("reports the exit code of a player that quits", async () => {
    writeExecutable(join(dir, "Quits.x86_64"), "#!/bin/sh\nexit 3\n");
    const exit = await launchEnvironment({ target: join(dir, "Quits"), port: 5005, workerId: 0 }).exited;
    expect(exit).toEqual({ code: 3, signal: null });
    expect(describeExit(exit)).toBe("Environment shut down with return code 3.");
  });
});
