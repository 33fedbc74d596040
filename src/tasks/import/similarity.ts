// Title comparison used to decide whether two imports describe the same game (legacy "bag of words").

/** Lower-cased words of a title, with ё folded to е; Python's Unicode \w made explicit. */
export function bagOfWords(title: string): Set<string> {
  const words = title.toLowerCase().replaceAll('ё', 'е').match(/[\p{L}\p{N}_]+/gu);
  return new Set(words ?? []);
}

/** Jaccard similarity of two bags; 0 when the first one is empty (as legacy). */
export function similarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0) return 0;
  let common = 0;
  for (const word of a) if (b.has(word)) common++;
  return common / (a.size + b.size - common);
}

/** Threshold above which a non-seed page is accepted as the same game. */
export const SIMILAR_ENOUGH = 0.67;

export function similarEnough(title1: string, title2: string): boolean {
  return similarity(bagOfWords(title1), bagOfWords(title2)) > SIMILAR_ENOUGH;
}
