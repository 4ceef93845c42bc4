// Small builders for the protobuf messages Unity sends, so tests read like the examples in docs/protocol.md.
import { PNG } from "pngjs";
import { AgentInfoProto } from "../../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { BrainParametersProto } from "../../../src/protocol/generated/mlagents_envs/communicator_objects/brain_parameters.js";
import {
  CompressionTypeProto,
  ObservationProto,
} from "../../../src/protocol/generated/mlagents_envs/communicator_objects/observation.js";

export function vectorObs(data: number[], name = `VectorSensor_size${data.length}`): ObservationProto {
  return ObservationProto.fromPartial({ shape: [data.length], floatData: { data }, dimensionProperties: [1], name });
}

export function pngObs(bytes: Uint8Array, shape: [number, number, number], mapping: number[] = []): ObservationProto {
  return ObservationProto.fromPartial({
    shape,
    compressionType: CompressionTypeProto.PNG,
    compressedData: Buffer.from(bytes),
    compressedChannelMapping: mapping,
    dimensionProperties: [1, 2, 2],
    name: "CameraSensor",
  });
}

export function agentInfo(id: number, fields: Partial<AgentInfoProto> = {}): AgentInfoProto {
  return AgentInfoProto.fromPartial({ id, observations: [vectorObs([0, 1, 2])], ...fields });
}

export function brain(name: string, continuous: number, branches: number[] = []): BrainParametersProto {
  return BrainParametersProto.fromPartial({
    brainName: name,
    isTraining: true,
    actionSpec: { numContinuousActions: continuous, numDiscreteActions: branches.length, discreteBranchSizes: branches },
  });
}

/** An 8-bit PNG; pixel(x, y) gives [r, g, b, a]. colorType 2 = RGB, 0 = grayscale, 6 = RGBA. */
export function encodePng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number, number?],
  colorType: 0 | 2 | 6 = 2,
): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      const i = (y * width + x) * 4;
      png.data[i] = r;
      png.data[i + 1] = g;
      png.data[i + 2] = b;
      png.data[i + 3] = a;
    }
  }
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true }));
}
