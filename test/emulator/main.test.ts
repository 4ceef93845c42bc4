// The process entry point the trainer spawns: `node --import tsx src/emulator/main.ts ...`.
import { spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CommandProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import { action, closeReply, completeHandshake, FakeTrainer, rlReply } from "./fake-trainer.js";

let trainer: FakeTrainer;
beforeEach(async () => {
  trainer = await FakeTrainer.start();
});
afterEach(() => trainer.stop());

function launch(args: string[]): { exit: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/emulator/main.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return { exit: new Promise((resolve) => child.on("exit", (code) => resolve(code))), output: () => out };
}

describe("src/emulator/main.ts", () => {
  it("connects, steps, says goodbye after --max-requests and exits 0", async () => {
    const p = launch(["--env", "basic", "--port", String(trainer.port), "--max-requests", "2"]);
    let call = await completeHandshake(trainer);
    for (let k = 0; k < 2; k++) {
      call.respond(rlReply(CommandProto.STEP, { "Basic?team=0": [action([], [2])] }));
      call = await trainer.next();
    }
    expect(call.request.header!.status).toBe(400);
    call.respond(closeReply());
    expect(await p.exit).toBe(0);
    expect(p.output()).toMatch(/\[INFO\] Connected to trainer at localhost:\d+/);
    expect(p.output()).toMatch(/Reached --max-requests; said goodbye \(status 400\) after 2 steps \(2 requests, 0 episodes\)/);
  }, 60_000);

  it("exits 0 with one line when the trainer closes, 3 on an injected crash", async () => {
    const p = launch(["--env", "3dball", "--port", String(trainer.port)]);
    (await completeHandshake(trainer)).respond(closeReply());
    expect(await p.exit).toBe(0);
    expect(p.output()).toMatch(/Trainer closed the connection after 1 step \(1 request, 0 episodes\)/);

    const crash = launch(["--env", "basic", "--port", String(trainer.port), "--fault", "crash", "--fault-after", "0"]);
    const held = await completeHandshake(trainer);
    await held.cancelled;
    expect(await crash.exit).toBe(3);
  }, 60_000);

  it("fails with exit code 1 and a readable line when no trainer listens", async () => {
    const port = trainer.port;
    trainer.stop();
    const p = launch(["--env", "basic", "--port", String(port)]);
    expect(await p.exit).toBe(1);
    expect(p.output()).toMatch(/\[ERROR\] Couldn't connect to trainer on localhost:\d+/);
    expect(p.output()).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);
});
