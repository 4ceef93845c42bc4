// Escaping for text placed in HTML/SVG, and for JSON or code placed inside a <script> element.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON that cannot end its <script> element early ("</script>", "<!--") and stays valid JSON. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Library code to inline: a literal "</script" inside it (in a string or comment) would end the element. */
export function codeForScript(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1");
}
