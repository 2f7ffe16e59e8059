/** Bit XOR's example text, "10110 XOR 01101 = 11011", as its input tokens a1…an, b1…bn and their bits; null for any other text. */
export function bitXorTokens(text: string): { label: string; value: string }[] | null {
  const m = /^([01]+) XOR ([01]+)/.exec(text);
  if (!m) return null;
  return [...[...m[1]].map((v, i) => ({ label: `a${i + 1}`, value: v })), ...[...m[2]].map((v, i) => ({ label: `b${i + 1}`, value: v }))];
}
