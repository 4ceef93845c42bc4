// Behavior names come from Unity (untrusted) and become folder and file names under results/.
// safeFileName maps any string to one path component that cannot escape its parent folder,
// leaving ordinary names ("3DBall", "Walker Dynamic") unchanged.
import { createHash } from "node:crypto";

/** Upper bound of a result in UTF-8 bytes: leaves room for "-<step>.ckpt" and temp suffixes within 255. */
export const MAX_SAFE_NAME_BYTES = 120;

// Letters and digits of any script, plus a few punctuation marks that are harmless on every OS.
const ALLOWED = /[\p{L}\p{N} _\-.+()[\]@,=]/u;
// Device names Windows reserves regardless of extension.
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function truncateUtf8(s: string, maxBytes: number): string {
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * A safe single path component for `name`: never empty, never "." or "..", no separators, NUL or
 * control characters, no leading dot, no trailing dot or space, at most MAX_SAFE_NAME_BYTES bytes.
 * A name that had to change gets a short hash of the original appended, so two different behavior
 * names never share a folder ("a/b" -> "a_b-<hash>", while "a_b" stays "a_b").
 */
export function safeFileName(name: string): string {
  let cleaned = "";
  for (const ch of name) cleaned += ALLOWED.test(ch) ? ch : "_";
  cleaned = cleaned.replace(/^\.+/, (dots) => "_".repeat(dots.length)).replace(/[. ]+$/, "");
  if (
    cleaned === name &&
    cleaned.length > 0 &&
    !RESERVED.test(cleaned) &&
    utf8Length(cleaned) <= MAX_SAFE_NAME_BYTES
  ) {
    return name;
  }
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
  const stem = truncateUtf8(cleaned, MAX_SAFE_NAME_BYTES - hash.length - 1).replace(/[. ]+$/, "");
  return stem.length > 0 ? `${stem}-${hash}` : `_-${hash}`;
}
