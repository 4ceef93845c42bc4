// A rotation as Unity's Transform holds it (a unit quaternion, components x, y, z, w), with the
// operations the built-in environments need: Transform.Rotate in the object's own frame, and
// moving vectors between world axes and the object's axes.

export type Vec3 = readonly [number, number, number];

export class Quaternion {
  static readonly IDENTITY = new Quaternion(0, 0, 0, 1);

  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
    readonly w: number,
  ) {}

  /** Unity's Quaternion.AngleAxis(degrees, axis) for a unit axis. */
  static angleAxis(axis: Vec3, degrees: number): Quaternion {
    const half = (degrees * Math.PI) / 360;
    const s = Math.sin(half);
    return new Quaternion(axis[0] * s, axis[1] * s, axis[2] * s, Math.cos(half));
  }

  /** The Hamilton product this ⊗ b: rotate by b first, then by this. */
  multiply(b: Quaternion): Quaternion {
    const a = this;
    return new Quaternion(
      a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
      a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
      a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
      a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
    );
  }

  /** Unity's transform.Rotate(axis, degrees) (Space.Self): rotation = rotation * AngleAxis(degrees, axis). */
  rotateLocal(axis: Vec3, degrees: number): Quaternion {
    return this.multiply(Quaternion.angleAxis(axis, degrees));
  }

  /** A vector in the object's axes, expressed in world axes (rotation * v). */
  toWorld(v: Vec3): [number, number, number] {
    return rotate(this.x, this.y, this.z, this.w, v);
  }

  /** A vector in world axes, expressed in the object's axes (inverse(rotation) * v). */
  toLocal(v: Vec3): [number, number, number] {
    return rotate(-this.x, -this.y, -this.z, this.w, v);
  }
}

/** v' = q v q* for a unit quaternion, as the rotation matrix of q applied to v. */
function rotate(x: number, y: number, z: number, w: number, v: Vec3): [number, number, number] {
  const [vx, vy, vz] = v;
  return [
    (1 - 2 * (y * y + z * z)) * vx + 2 * (x * y - w * z) * vy + 2 * (x * z + w * y) * vz,
    2 * (x * y + w * z) * vx + (1 - 2 * (x * x + z * z)) * vy + 2 * (y * z - w * x) * vz,
    2 * (x * z - w * y) * vx + 2 * (y * z + w * x) * vy + (1 - 2 * (x * x + y * y)) * vz,
  ];
}
