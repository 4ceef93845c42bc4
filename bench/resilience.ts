// bench/resilience: how quickly a listening `learn` run handles Unity sessions coming and going.
// Usage: npx tsx bench/resilience.ts [--sessions 5] [--silent-seconds 20] [--silent-clients 20]
// Prints, for a tiny 3DBall SAC run in editor mode (one process, in-process emulator as Unity):
//   - Stop -> checkpoint saved: from emulator.stop() (Unity leaving Play) to the "Unity stopped ...;
//     checkpoint saved" line;
//   - Play -> first action: from a new handshake to the reply carrying the first actions (the first
//     session also creates the trainer; later ones reuse it);
//   - a silent TCP client and half an HTTP/2 preface: how long they are held, and Play -> first
//     action while many of them are connected.
import * as net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseRunOptions } from "../src/config/index.js";
import { runTraining } from "../src/run/run-training.js";
import { UnityEmulator } from "../src/emulator/index.js";
import { initBackend } from "../src/trainers/backend.js";
import { SacTrainer } from "../src/trainers/sac/sac-trainer.js";
import { createLogger } from "../src/util/logger.js";
import { CraftedUnity } from "../test/run/crafted-unity.js";
import { tinyYaml } from "../test/run/helpers.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const sessions = Number(arg("sessions", "5"));
const silentSeconds = Number(arg("silent-seconds", "20"));
const silentClients = Number(arg("silent-clients", "20"));

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms, min ${s[0]!.toFixed(1)}, max ${s.at(-1)!.toFixed(1)} (n=${s.length})`;
};

async function main(): Promise<void> {
  const backend = await initBackend("js");
  const dir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-bench-"));
  const options = parseRunOptions(tinyYaml());
  options.checkpoint_settings.results_dir = dir;
  options.checkpoint_settings.run_id = "bench";
  options.env_settings.seed = 1;
  const lines: { t: number; line: string }[] = [];
  const logger = createLogger({ level: "info", sink: (_l, line) => lines.push({ t: performance.now(), line }) });
  const ac = new AbortController();
  let port = 0;
  const listening = new Promise<void>((r) => {
    void runTraining(options, {
      logger,
      version: "0.1.0",
      editorPort: 0,
      signal: ac.signal,
      onListening: (p) => {
        port = p[0]!;
        r();
      },
      createTrainer: (behaviorName, spec, settings, seed) => new SacTrainer({ behaviorName, spec, settings, seed }),
    });
  });
  await listening;
  const waitLine = async (re: RegExp, from: number): Promise<number> => {
    for (;;) {
      const hit = lines.slice(from).find((l) => re.test(l.line));
      if (hit) return hit.t;
      await new Promise((r) => setTimeout(r, 1));
    }
  };

  // Play -> first action, and Stop -> checkpoint, with the in-process emulator as Unity.
  const firstAction: number[] = [];
  const stopToCheckpoint: number[] = [];
  for (let i = 0; i < sessions; i++) {
    const u = new CraftedUnity(port);
    const t0 = performance.now();
    await u.open();
    await u.sendStep();
    firstAction.push(performance.now() - t0);
    const from0 = lines.length;
    await u.goodbye().catch(() => undefined);
    u.close();
    await waitLine(/Unity stopped at step/, from0);

    const emulator = new UnityEmulator({ env: "3dball", port, host: "127.0.0.1", logger: createLogger({ level: "error" }) });
    const running = emulator.run();
    while ((emulator.academy?.totalStepCount ?? 0) < 300) await new Promise((r) => setTimeout(r, 5));
    const from = lines.length;
    const s0 = performance.now();
    await emulator.stop();
    await running;
    stopToCheckpoint.push((await waitLine(/Unity stopped at step .*checkpoint saved/, from)) - s0);
  }

  // Silent clients and half HTTP/2 prefaces: held how long, and do they slow a real Unity down?
  const sockets: net.Socket[] = [];
  let firstClosedAfter: number | null = null;
  const s0 = performance.now();
  for (let i = 0; i < silentClients; i++) {
    const silent = net.connect(port, "127.0.0.1");
    const half = net.connect(port, "127.0.0.1", () => half.write("PRI * HTTP/2.0\r\n"));
    for (const s of [silent, half]) {
      s.on("error", () => undefined);
      s.once("close", () => (firstClosedAfter ??= performance.now() - s0));
      sockets.push(s);
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  const crowded: number[] = [];
  for (let i = 0; i < sessions; i++) {
    const u = new CraftedUnity(port);
    const t0 = performance.now();
    await u.open();
    await u.sendStep();
    crowded.push(performance.now() - t0);
    const from = lines.length;
    await u.goodbye().catch(() => undefined);
    u.close();
    await waitLine(/Unity stopped at step/, from); // as in the loop above: the next Play comes after the checkpoint
  }
  const remaining = silentSeconds * 1000 - (performance.now() - s0);
  if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
  const open = sockets.filter((s) => !s.destroyed).length;
  const dropped = firstClosedAfter as number | null;
  sockets.forEach((s) => s.destroy());
  ac.abort();
  await new Promise((r) => setTimeout(r, 1500));
  rmSync(dir, { recursive: true, force: true });

  console.log(`mlagents-ts resilience bench (backend ${backend.name}, tiny 3DBall SAC, ${sessions} sessions, node ${process.version})`);
  console.log(`Stop -> checkpoint saved:            ${stats(stopToCheckpoint)}`);
  console.log(`Play (handshake) -> first action:    ${stats(firstAction)}  (first session includes creating the trainer: ${firstAction[0]!.toFixed(1)} ms)`);
  console.log(`  ... with ${silentClients} silent + ${silentClients} half-preface clients connected: ${stats(crowded)}`);
  console.log(
    dropped === null
      ? `Silent clients: all ${open} of ${sockets.length} still connected after ${silentSeconds} s; an idle connection is never dropped, and costs a real Unity nothing (line above).`
      : `Silent clients: the first was dropped after ${(dropped / 1000).toFixed(1)} s; ${open} of ${sockets.length} still open after ${silentSeconds} s.`,
  );
  process.exit(0);
}

await main();
