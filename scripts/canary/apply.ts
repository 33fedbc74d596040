// Applies a break's edits to a file's text, each of which must match exactly once. Shared by the
// canary (scripts/canary/run.ts) and the test that keeps every break anchored (test/canary/).
import type { Break } from './breaks.ts';

function occurrences(text: string, snippet: string): number {
  let n = 0;
  for (let i = text.indexOf(snippet); i >= 0; i = text.indexOf(snippet, i + 1)) n++;
  return n;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  return JSON.stringify(line.trim().slice(0, 70));
}

/** Checks each edit matches exactly once; returns the patched text, or why the break no longer applies. */
export function applyBreak(b: Break, original: string): { text: string } | { problem: string } {
  let text = original;
  for (const edit of b.edits) {
    const n = occurrences(text, edit.find);
    if (n !== 1) return { problem: `${b.file}: snippet ${firstLine(edit.find)} found ${n} times (must be exactly once): re-anchor this break in scripts/canary/breaks.ts` };
    text = text.replace(edit.find, () => edit.replace);
  }
  return { text };
}
