import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerEmulate } from "../../../src/cli/commands/emulate.js";
import { closeReply, completeHandshake, FakeTrainer } from "../../emulator/fake-trainer.js";

let trainer: FakeTrainer;
beforeEach(async () => {
  trainer = await FakeTrainer.start();
});
afterEach(() => trainer.stop());

function program(): { program: Command; code: () => number | undefined } {
  let exitCode: number | undefined;
  const p = new Command("mlagents-ts").exitOverride();
  registerEmulate(p, (c) => (exitCode = c));
  for (const c of p.commands) c.exitOverride();
  return { program: p, code: () => exitCode };
}

describe("mlagents-ts emulate", () => {
  it("runs a built-in environment and exits 0 when the trainer closes", async () => {
    const { program: p, code } = program();
    const done = p.parseAsync(["node", "mlagents-ts", "emulate", "--env", "gridworld", "--port", String(trainer.port), "--host", "localhost"]);
    const call = await completeHandshake(trainer);
    expect(Object.keys(call.request.unityOutput!.rlOutput!.agentInfos)).toEqual(["GridWorld?team=0"]);
    call.respond(closeReply());
    await done;
    expect(code()).toBe(0);
  });

  it("reports an unknown environment with exit code 1 and rejects bad numbers", async () => {
    const { program: p, code } = program();
    await p.parseAsync(["node", "mlagents-ts", "emulate", "--env", "nope", "--port", String(trainer.port)]);
    expect(code()).toBe(1);
    const { program: q } = program();
    await expect(q.parseAsync(["node", "mlagents-ts", "emulate", "--env", "basic", "--port", "x"])).rejects.toThrow(/integer/);
    const { program: r } = program();
    await expect(r.parseAsync(["node", "mlagents-ts", "emulate", "--env", "basic", "--port", "5", "--fault", "explode"])).rejects.toThrow(/explode/);
  });
});
