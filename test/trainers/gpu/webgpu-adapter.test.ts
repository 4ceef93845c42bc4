import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { describeAdapter, formatAdapter, GpuAdapterError } from "../../../src/trainers/gpu/webgpu-adapter.js";
import { webGpuForTests } from "./webgpu-for-tests.js";

describe("describeAdapter", () => {
  it("tells a software adapter from a GPU by the fallback flag, the architecture or the driver name", () => {
    const nvidia = describeAdapter({ info: { vendor: "nvidia", architecture: "hopper", device: "", description: "NVIDIA H100 80GB HBM3" } });
    expect(nvidia.software).toBe(false);
    expect(formatAdapter(nvidia)).toBe("nvidia, hopper, NVIDIA H100 80GB HBM3");
    expect(describeAdapter({ isFallbackAdapter: true, info: { vendor: "google" } }).software).toBe(true);
    expect(describeAdapter({ info: { vendor: "mesa", architecture: "software" } }).software).toBe(true);
    const lvp = describeAdapter({ info: { vendor: "mesa", architecture: "", device: "", description: "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)" } });
    expect(lvp.software).toBe(true);
    expect(formatAdapter(lvp)).toMatch(/^mesa, unknown architecture, llvmpipe.*\(software adapter: correctness only, no GPU speed\)$/);
  });
});

const adapter = await webGpuForTests();

describe.skipIf(adapter === null)("--device gpu on this machine's adapter", () => {
  it.runIf(adapter?.software)("refuses the software adapter unless allowed, then runs on it", async () => {
    const refused = await initBackend("gpu").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GpuAdapterError);
    expect((refused as GpuAdapterError).reason).toBe("software");
    expect((refused as Error).message).toMatch(/--allow-software-gpu/);
    const choice = await initBackend("gpu", { allowSoftwareGpu: true });
    expect(choice.name).toBe("webgpu");
    expect(choice.adapter?.software).toBe(true);
    expect(choice.description).toContain(adapter!.vendor);
    expect(tf.getBackend()).toBe("webgpu");
    // A matmul against the wasm result (not a constant): the backend computes.
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const got = await tf.matMul(x, x, false, true).data();
    expect(Array.from(got)).toEqual([14, 32, 32, 77]);
  });

  it.runIf(adapter !== null && !adapter.software)("takes a hardware adapter without the flag", async () => {
    expect((await initBackend("gpu")).adapter?.software).toBe(false);
  });
});
