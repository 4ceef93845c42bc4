// The WebGPU adapter for the GPU tests. On machines without one (no Vulkan ICD, or Mesa too old for
// Dawn) the tests skip with the reason printed; under CI=true they fail instead, because .ci/run
// installs lavapipe (.ci/lavapipe) and a silent skip there would hide a broken GPU path.

import { acquireWebGpu, type GpuAdapterInfo } from "../../../src/trainers/gpu/webgpu-adapter.js";

export async function webGpuForTests(): Promise<GpuAdapterInfo | null> {
  try {
    return await acquireWebGpu(true);
  } catch (e) {
    const why = `GPU tests need a WebGPU adapter (a Vulkan driver, or Mesa >= 24 lavapipe as .ci/lavapipe installs): ${(e as Error).message}`;
    if (process.env.CI === "true") throw new Error(`${why} (CI=true: not skipping)`);
    console.warn(`SKIPPED: ${why}`);
    return null;
  }
}
