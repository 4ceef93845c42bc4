// The WebGPU adapter through Dawn's Node binding (npm `webgpu`): on Linux Dawn runs on Vulkan, so a
// GPU needs only its driver's Vulkan ICD (no CUDA), and a machine without a GPU gets Mesa's software
// Vulkan (lavapipe). tfjs' webgpu backend runs on it (onnxruntime-node carries its own Dawn).
// A software adapter is reported as such so that callers can refuse it when a GPU was asked for.

/** What the adapter says about itself, printed at start. */
export interface GpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation (lavapipe, SwiftShader, WARP): correct, but no GPU speed. */
  readonly software: boolean;
}

/** Why no usable adapter could be had; the message says what to do. */
export class GpuAdapterError extends Error {
  override readonly name = "GpuAdapterError";
  constructor(
    /** "unavailable" (no package, no driver) or "software" (refused without allowSoftware). */
    readonly reason: "unavailable" | "software",
    readonly detail: string,
  ) {
    super(`WebGPU adapter ${reason === "software" ? "refused" : "unavailable"}: ${detail}`);
  }
}

// The Dawn objects are typed loosely on purpose: `webgpu`'s types pull @webgpu/types into every
// compilation unit's globals, and this module needs only a few fields.
interface DawnAdapter {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}
interface DawnGpu {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<DawnAdapter | null>;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

let gpu: DawnGpu | null = null;
let adapter: { info: GpuAdapterInfo } | null = null;

/** Reads the adapter description and decides whether it is a software implementation. */
export function describeAdapter(a: DawnAdapter): GpuAdapterInfo {
  const i = a.info ?? {};
  const info = {
    vendor: i.vendor || "unknown vendor",
    architecture: i.architecture || "unknown architecture",
    device: i.device ?? "",
    description: i.description ?? "",
  };
  const fallback = Boolean(a.isFallbackAdapter ?? i.isFallbackAdapter);
  const software = fallback || info.architecture === "software" || SOFTWARE_NAMES.test(`${info.device} ${info.description}`);
  return { ...info, software };
}

/** One line for the start banner: vendor, architecture, device and driver. */
export function formatAdapter(info: GpuAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s !== "");
  return `${parts.join(", ")}${info.software ? " (software adapter: correctness only, no GPU speed)" : ""}`;
}

/**
 * Creates Dawn's GPU object once, publishes it as `navigator.gpu` (what tfjs' webgpu backend looks
 * for) and returns the default high-performance adapter's description.
 * Throws GpuAdapterError when there is none, or when it is software and `allowSoftware` is false.
 */
export async function acquireWebGpu(allowSoftware: boolean): Promise<GpuAdapterInfo> {
  if (adapter === null) {
    if (gpu === null) {
      let dawn: { create(flags: string[]): unknown; globals: object };
      try {
        const pkg = "webgpu"; // a runtime name: keeps @webgpu/types out of the compilation's globals
        dawn = (await import(pkg)) as typeof dawn;
      } catch (e) {
        throw new GpuAdapterError("unavailable", `package webgpu could not be loaded (${(e as Error).message}); install it with: npm install webgpu`);
      }
      gpu = dawn.create([]) as DawnGpu;
      // GPUBufferUsage, GPUMapMode, ...: browser globals the tfjs backend reads.
      for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
      publishNavigatorGpu(gpu);
    }
    const found = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (found === null) {
      throw new GpuAdapterError(
        "unavailable",
        "Dawn found no Vulkan device (install the GPU driver's Vulkan ICD, or Mesa >= 24 lavapipe for a software one; VK_ICD_FILENAMES selects an ICD)",
      );
    }
    adapter = { info: describeAdapter(found) };
  }
  if (adapter.info.software && !allowSoftware) {
    throw new GpuAdapterError(
      "software",
      `the only adapter is a software one (${formatAdapter(adapter.info)}); pass --allow-software-gpu to use it anyway (slow; for tests), or use --device wasm`,
    );
  }
  return adapter.info;
}

// Node 21+ has a read-only `navigator` global (without gpu); Node 20 has none.
function publishNavigatorGpu(g: DawnGpu): void {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) Object.defineProperty(globalThis, "navigator", { value: { gpu: g }, configurable: true, writable: true });
  else if (!("gpu" in nav)) Object.defineProperty(nav, "gpu", { value: g, configurable: true });
}
