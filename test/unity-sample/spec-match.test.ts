// No Unity runs here, so this test keeps unity-sample/ and the built-in `3dball` environment from
// drifting apart: the scene's Behavior Parameters / Decision Requester / Agent settings, the C#
// constants, and the C# observation order and meaning are checked against getBuiltinEnvironment("3dball")
// and against what the emulator's Ball3DAgent actually writes.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getBuiltinEnvironment } from "../../src/emulator/environments/registry.js";
import { BALL_ANGULAR_DRAG, BALL_DRAG, BALL_MASS, BALL_RADIUS, Ball3DAgent, PLATFORM_HALF_SIZE } from "../../src/emulator/environments/ball-3d.js";
import { Quaternion } from "../../src/emulator/environments/quaternion.js";
import type { AgentApi, SceneContext } from "../../src/emulator/environments/environment.js";

const root = (p: string): string => fileURLToPath(new URL(`../../unity-sample/${p}`, import.meta.url));
const read = (p: string): string => readFileSync(root(p), "utf8");

/** Script GUIDs of the com.unity.ml-agents package (its Runtime/*.cs.meta files). */
const BEHAVIOR_PARAMETERS_GUID = "5d1c4e0b1822b495aa52bc52839ecb30";
const DECISION_REQUESTER_GUID = "3a5c9d521e5ef4759a8246a07d52221e";

interface UnityObject {
  classId: number;
  fileId: string;
  type: string;
  body: string;
}

/** The documents of a Unity YAML file ("--- !u!<class> &<fileID>" then "<Type>:" and its fields). */
function parseUnityYaml(text: string): UnityObject[] {
  const parts = text.split(/^--- !u!(\d+) &(\d+)[^\n]*\n/m);
  const out: UnityObject[] = [];
  for (let i = 1; i + 2 < parts.length + 1; i += 3) {
    const body = parts[i + 2] ?? "";
    out.push({ classId: Number(parts[i]), fileId: parts[i + 1]!, type: /^(\w+):/.exec(body)?.[1] ?? "", body });
  }
  return out;
}

/** A scalar field anywhere in the document body ("  key: value"). */
function field(o: UnityObject, key: string): string {
  const m = new RegExp(`^\\s+${key}: ?(.*)$`, "m").exec(o.body);
  if (!m) throw new Error(`${o.type} &${o.fileId} has no field ${key}`);
  return m[1]!.trim();
}

const scriptGuid = (o: UnityObject): string | undefined => /m_Script: \{fileID: 11500000, guid: ([0-9a-f]{32}), type: 3\}/.exec(o.body)?.[1];
const ref = (v: string): string => /\{fileID: (\d+)\}/.exec(v)![1]!;

const scene = parseUnityYaml(read("Assets/Scenes/3DBall.unity"));
const agentGuid = /^guid: ([0-9a-f]{32})$/m.exec(read("Assets/Scripts/Ball3DAgent.cs.meta"))![1]!;
const byGuid = (g: string): UnityObject[] => scene.filter((o) => o.type === "MonoBehaviour" && scriptGuid(o) === g);
const byId = (id: string): UnityObject => scene.find((o) => o.fileId === id)!;
const csharp = read("Assets/Scripts/Ball3DAgent.cs");
const builtin = getBuiltinEnvironment("3dball");
const behavior = builtin.behaviors[0]!;
const builtinObsSize = behavior.sensors.reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0);

describe("unity-sample scene matches builtin:3dball", () => {
  const [bp] = byGuid(BEHAVIOR_PARAMETERS_GUID);
  const [agent] = byGuid(agentGuid);
  const [requester] = byGuid(DECISION_REQUESTER_GUID);

  it("has exactly one Behavior Parameters, one Ball3DAgent and one Decision Requester, on the same GameObject", () => {
    expect(byGuid(BEHAVIOR_PARAMETERS_GUID)).toHaveLength(1);
    expect(byGuid(agentGuid)).toHaveLength(1);
    expect(byGuid(DECISION_REQUESTER_GUID)).toHaveLength(1);
    const go = field(bp!, "m_GameObject");
    expect(field(agent!, "m_GameObject")).toBe(go);
    expect(field(requester!, "m_GameObject")).toBe(go);
    // The GameObject lists all three among its components.
    const owner = byId(ref(go));
    for (const c of [bp!, agent!, requester!]) expect(owner.body).toContain(`component: {fileID: ${c.fileId}}`);
  });

  it("Behavior Parameters: name, vector observation size, stacking and actions equal the built-in spec", () => {
    expect(field(bp!, "m_BehaviorName")).toBe(behavior.name);
    expect(behavior.sensors).toHaveLength(1); // one vector sensor: the Agent's CollectObservations
    expect(Number(field(bp!, "VectorObservationSize")) * Number(field(bp!, "NumStackedVectorObservations"))).toBe(builtinObsSize);
    expect(Number(field(bp!, "NumStackedVectorObservations"))).toBe(1);
    expect(Number(field(bp!, "m_NumContinuousActions"))).toBe(behavior.actionSpec.continuousSize);
    const branches = field(bp!, "BranchSizes");
    expect(branches === "" ? [] : branches.match(/.{8}/g)!.map((h) => Buffer.from(h, "hex").readInt32LE(0))).toEqual([...behavior.actionSpec.discreteBranches]);
    expect(field(bp!, "m_Model")).toBe("{fileID: 0}"); // the README has the user drag a model in
  });

  it("Decision Requester period and the Agent's MaxStep equal the built-in environment's", () => {
    expect(Number(field(requester!, "DecisionPeriod"))).toBe(behavior.decisionPeriod);
    expect(Number(field(requester!, "DecisionStep"))).toBe(behavior.decisionStep ?? 0);
    expect(field(requester!, "TakeActionsBetweenDecisions")).toBe((behavior.takeActionsBetweenDecisions ?? true) ? "1" : "0");
    expect(Number(field(agent!, "MaxStep"))).toBe(behavior.maxStep);
  });

  it("the platform is the prefab's 5x5x5 cube and the ball its sphere, as the emulator models them", () => {
    const vec = (v: string): number[] => [...v.matchAll(/[xyz]: (-?[\d.]+)/g)].map((m) => Number(m[1]));
    const components = (go: UnityObject): UnityObject[] => [...go.body.matchAll(/component: \{fileID: (\d+)\}/g)].map((m) => byId(m[1]!));
    const platform = byId(ref(field(agent!, "m_GameObject")));
    const platformScale = vec(field(components(platform).find((c) => c.type === "Transform")!, "m_LocalScale"));
    const boxSize = vec(field(components(platform).find((c) => c.type === "BoxCollider")!, "m_Size"));
    expect(platformScale.map((v, i) => (v * boxSize[i]!) / 2)).toEqual([PLATFORM_HALF_SIZE, PLATFORM_HALF_SIZE, PLATFORM_HALF_SIZE]);
    // No Rigidbody on the platform: Rotate teleports its collider, as the emulator assumes.
    expect(components(platform).map((c) => c.type)).not.toContain("Rigidbody");

    const ball = byId(ref(field(agent!, "ball")));
    const ballScale = vec(field(components(ball).find((c) => c.type === "Transform")!, "m_LocalScale"));
    const radius = Number(field(components(ball).find((c) => c.type === "SphereCollider")!, "m_Radius"));
    expect(ballScale.map((v) => v * radius)).toEqual([BALL_RADIUS, BALL_RADIUS, BALL_RADIUS]);
    const body = components(ball).find((c) => c.type === "Rigidbody")!;
    expect([Number(field(body, "m_Mass")), Number(field(body, "m_Drag")), Number(field(body, "m_AngularDrag"))]).toEqual([BALL_MASS, BALL_DRAG, BALL_ANGULAR_DRAG]);
    // The ball starts above the cube's top face, as OnEpisodeBegin puts it (4 above the centre).
    expect(vec(field(components(ball).find((c) => c.type === "Transform")!, "m_LocalPosition"))).toEqual([0, 4, 0]);
  });

  it("the agent's ball is a unit sphere with a Rigidbody, and every script reference resolves", () => {
    const ball = byId(ref(field(agent!, "ball")));
    expect(ball.type).toBe("GameObject");
    const components = [...ball.body.matchAll(/component: \{fileID: (\d+)\}/g)].map((m) => byId(m[1]!).type);
    expect(components).toEqual(expect.arrayContaining(["Transform", "Rigidbody", "SphereCollider"]));
    const known = new Set([BEHAVIOR_PARAMETERS_GUID, DECISION_REQUESTER_GUID, agentGuid]);
    for (const mb of scene.filter((o) => o.type === "MonoBehaviour")) expect(known.has(scriptGuid(mb)!)).toBe(true);
    // Every component a GameObject lists exists in the file.
    for (const go of scene.filter((o) => o.type === "GameObject")) {
      for (const m of go.body.matchAll(/component: \{fileID: (\d+)\}/g)) expect(byId(m[1]!), `component ${m[1]}`).toBeDefined();
    }
  });
});

/**
 * The C# observation expressions, in the order the built-in environment's documentation gives them,
 * each with its size and a way to make the emulator's Ball3DAgent produce exactly that quantity.
 */
const OBSERVATIONS: readonly { expr: string; size: number; set: (a: Ball3DAgent) => void; want: number[] }[] = [
  { expr: "transform.rotation.z", size: 1, set: (a) => (a.rotation = Quaternion.angleAxis([0, 0, 1], 20)), want: [Math.sin((10 * Math.PI) / 180)] },
  { expr: "transform.rotation.x", size: 1, set: (a) => (a.rotation = Quaternion.angleAxis([1, 0, 0], -30)), want: [Math.sin((-15 * Math.PI) / 180)] },
  { expr: "ball.transform.position - transform.position", size: 3, set: (a) => ((a.x = 1), (a.y = 2), (a.z = 3)), want: [1, 2, 3] },
  { expr: "BallVelocity", size: 3, set: (a) => ((a.vx = 4), (a.vy = 5), (a.vz = 6)), want: [4, 5, 6] },
];

function emulatorAgent(onReward?: (r: number) => void): Ball3DAgent {
  const api = { setReward: (r: number) => onReward?.(r), endEpisode: () => undefined } as unknown as AgentApi;
  const scene = { stats: { add: () => undefined } } as unknown as SceneContext;
  return new Ball3DAgent(api, scene);
}

describe("unity-sample Ball3DAgent.cs matches builtin:3dball", () => {
  it("declares the built-in spec in its constants", () => {
    const constant = (name: string): string => new RegExp(`const \\w+ ${name} = "?([^";]+)"?;`).exec(csharp)![1]!;
    expect(constant("BehaviorName")).toBe(behavior.name);
    expect(Number(constant("ObservationSize"))).toBe(builtinObsSize);
    expect(Number(constant("ContinuousActions"))).toBe(behavior.actionSpec.continuousSize);
  });

  it("adds the observations in the emulator's order, sizes and meaning", () => {
    const body = /void CollectObservations\(VectorSensor sensor\)\s*\{([\s\S]*?)\n {4}\}/.exec(csharp)![1]!;
    const exprs = [...body.matchAll(/sensor\.AddObservation\((.+)\);/g)].map((m) => m[1]!);
    expect(exprs).toEqual(OBSERVATIONS.map((o) => o.expr));
    expect(OBSERVATIONS.reduce((s, o) => s + o.size, 0)).toBe(builtinObsSize);

    // The emulator writes each quantity at the same offset: set only it, see only its slots change.
    let offset = 0;
    for (const o of OBSERVATIONS) {
      const a = emulatorAgent();
      o.set(a);
      const buf = new Float32Array(builtinObsSize);
      a.collectObservations([buf]);
      const expected = new Array<number>(builtinObsSize).fill(0);
      o.want.forEach((v, j) => (expected[offset + j] = v));
      for (let i = 0; i < builtinObsSize; i++) expect(buf[i], `${o.expr}: slot ${i}`).toBeCloseTo(expected[i]!, 6);
      offset += o.size;
    }
  });

  it("reads the ball's velocity with the Rigidbody API of each Unity version the README names", () => {
    // Unity 6 renamed Rigidbody.velocity to linearVelocity; 2023.2 has only velocity.
    const property = /Vector3 BallVelocity\s*\{([\s\S]*?)\n {4}\}/.exec(csharp)![1]!;
    expect(property).toMatch(/#if UNITY_6000_0_OR_NEWER\s+get => m_BallRb\.linearVelocity;\s+set => m_BallRb\.linearVelocity = value;\s+#else\s+get => m_BallRb\.velocity;\s+set => m_BallRb\.velocity = value;\s+#endif/);
    // Nowhere else: every other use goes through the property.
    const outside = csharp.replace(property, "");
    expect(outside).not.toMatch(/m_BallRb\.(linearVelocity|velocity)\b/);
    expect(read("README.md")).toMatch(/2023\.2/);
  });

  it("uses continuous action 0 to tilt about z and action 1 about x, 2 degrees per unit, like the emulator", () => {
    expect(csharp).toMatch(/var actionZ = 2f \* Mathf\.Clamp\(actionBuffers\.ContinuousActions\[0\], -1f, 1f\);/);
    expect(csharp).toMatch(/var actionX = 2f \* Mathf\.Clamp\(actionBuffers\.ContinuousActions\[1\], -1f, 1f\);/);
    expect(csharp).toMatch(/transform\.Rotate\(new Vector3\(0, 0, 1\), actionZ\)/);
    expect(csharp).toMatch(/transform\.Rotate\(new Vector3\(1, 0, 0\), actionX\)/);
    expect(csharp).not.toMatch(/DiscreteActions/);

    const a = emulatorAgent();
    a.onActionReceived(Float32Array.of(1, 0));
    const [s1, c1] = [Math.sin(Math.PI / 180), Math.cos(Math.PI / 180)];
    expect([a.rotation.z, a.rotation.x]).toEqual([s1, 0].map((v) => expect.closeTo(v, 12)));
    a.onActionReceived(Float32Array.of(0, -5)); // clamped to -1
    // Rotate in the platform's own frame: rotation = AngleAxis(2°, z) * AngleAxis(-2°, x).
    expect([a.rotation.z, a.rotation.x]).toEqual([s1 * c1, -s1 * c1].map((v) => expect.closeTo(v, 12)));
  });

  it("rewards like the emulator: 0.1 per step, -1 and EndEpisode when the ball falls", () => {
    expect(csharp).toMatch(/SetReward\(0\.1f\)/);
    expect(csharp).toMatch(/SetReward\(-1f\);\s*EndEpisode\(\);/);
    expect(csharp).toMatch(/offset\.y < -2f \|\| Mathf\.Abs\(offset\.x\) > 3f \|\| Mathf\.Abs\(offset\.z\) > 3f/);
    const rewards: number[] = [];
    const a = emulatorAgent((r) => rewards.push(r));
    a.onPlate = true;
    a.onActionReceived(Float32Array.of(0, 0));
    a.onPlate = false;
    a.x = 3.5; // beyond |x| > 3
    a.onActionReceived(Float32Array.of(0, 0));
    expect(rewards).toEqual([0.1, -1]);
  });
});

describe("unity-sample project files", () => {
  it("pins com.unity.ml-agents 3.0.0 and a Unity version that package supports", () => {
    const manifest = JSON.parse(read("Packages/manifest.json")) as { dependencies: Record<string, string> };
    expect(manifest.dependencies["com.unity.ml-agents"]).toBe("3.0.0");
    expect(manifest.dependencies["com.unity.modules.physics"]).toBeDefined();
    expect(read("ProjectSettings/ProjectVersion.txt")).toMatch(/^m_EditorVersion: (6000\.0|2023\.2)\.\d+f\d+$/m);
    const sceneGuid = /^guid: ([0-9a-f]{32})$/m.exec(read("Assets/Scenes/3DBall.unity.meta"))![1]!;
    expect(read("ProjectSettings/EditorBuildSettings.asset")).toContain(`guid: ${sceneGuid}`);
  });

  it("the README walks through training and inference with the names the sample uses", () => {
    const readme = read("README.md");
    expect(readme).toContain("mlagents-ts learn config/3dball.yaml --run-id ball1");
    expect(readme).toContain(`results/ball1/${behavior.name}.onnx`);
    expect(readme).toContain("models/3dball.onnx");
    expect(readme).toMatch(/Model/);
  });
});
