import { describe, expect, it } from "vitest";
import { codeForScript, escapeHtml, jsonForScript } from "../../src/report/escape.js";

describe("escaping", () => {
  it("escapes HTML text and attributes", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  it("JSON inside <script> cannot close the element and parses back to the same value", () => {
    const value = { s: "</script><!-- \u2028 \u2029" };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<\/script|<!--|\u2028|\u2029/i);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("inlined code cannot close its element", () => {
    expect(codeForScript('var s = "</script>"; var t = "</SCRIPT >";')).toBe('var s = "<\\/script>"; var t = "<\\/SCRIPT >";');
  });
});
