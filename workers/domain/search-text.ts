/**
 * Words as search compares them, and the typo index's variants. Text is folded the same way when
 * it is indexed and when it is queried: NFKD, diacritics dropped, lower case, letters and digits
 * only (everything else separates words), so "Café-Bar" is the words "cafe" and "bar".
 */

/** Words at least this long tolerate one typo (a wrong, missing, extra or swapped letter). */
export const FUZZY_MIN_LENGTH = 5;
/** Words of a query that count; the rest is ignored. */
export const MAX_QUERY_WORDS = 8;

const MARKS = /\p{M}+/gu;
const SEPARATORS = /[^\p{L}\p{N}]+/u;

/** The words of `text`, folded; in order, repeats kept. */
export function words(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(MARKS, "")
    .toLowerCase()
    .split(SEPARATORS)
    .filter((w) => w.length > 0);
}

/**
 * Text as stored for scoring: its words between single spaces, with a space at each end, so a
 * whole word is found with `instr(text, ' ' || word || ' ')` and a word's start with `' ' || prefix`.
 */
export function foldedText(...parts: string[]): string {
  const all = parts.flatMap(words);
  return all.length ? ` ${all.join(" ")} ` : " ";
}

/** The query's distinct words, at most MAX_QUERY_WORDS. */
export function queryWords(q: string): string[] {
  return [...new Set(words(q))].slice(0, MAX_QUERY_WORDS);
}

/**
 * A word's typo variants, the word itself first: for words of FUZZY_MIN_LENGTH or more, also the
 * word with each one letter left out. Two words share a variant when one letter was dropped,
 * added, changed or two neighbours swapped ("balcny"/"balcony", "berlni"/"berlin"): the
 * symmetric-delete scheme of SymSpell, which needs only equality lookups on an index.
 */
export function variants(word: string): string[] {
  const out = new Set([word]);
  const letters = [...word];
  if (letters.length >= FUZZY_MIN_LENGTH)
    for (let i = 0; i < letters.length; i++) out.add([...letters.slice(0, i), ...letters.slice(i + 1)].join(""));
  return [...out];
}

/** Every variant of every distinct word of the texts, with the word it stands for (what the typo index stores). */
export function variantRows(...texts: string[]): { variant: string; word: string }[] {
  const rows: { variant: string; word: string }[] = [];
  for (const word of new Set(texts.flatMap(words)))
    if ([...word].length >= FUZZY_MIN_LENGTH) for (const variant of variants(word)) rows.push({ variant, word });
  return rows;
}

/**
 * Whether a folded word of a text answers one of the query's words: the same word, one typo
 * from it (variants in common), or, for the query's last word, a word it begins.
 */
export function matcher(typed: string[]): (word: string) => boolean {
  const exact = new Set(typed);
  const near = new Set(typed.filter((t) => [...t].length >= FUZZY_MIN_LENGTH).flatMap(variants));
  const prefix = typed.at(-1) ?? "";
  return (word) =>
    exact.has(word) ||
    (prefix.length > 0 && word.startsWith(prefix)) ||
    ([...word].length >= FUZZY_MIN_LENGTH && variants(word).some((v) => near.has(v)));
}

/**
 * `text` with each word that `isHit` accepts (by its folded form) wrapped in `<mark>…</mark>`, the
 * rest HTML-escaped; undefined when nothing in it matched.
 */
export function highlight(text: string, isHit: (word: string) => boolean): string | undefined {
  let matched = false;
  const out = text.split(/([\p{L}\p{N}\p{M}]+)/u).map((part, i) => {
    if (i % 2 === 0) return escapeHtml(part);
    const hit = isHit(words(part)[0] ?? "");
    if (hit) matched = true;
    return hit ? `<mark>${escapeHtml(part)}</mark>` : escapeHtml(part);
  });
  return matched ? out.join("") : undefined;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
