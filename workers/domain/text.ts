/**
 * Free text as the API accepts it: well-formed Unicode, no control characters, no bidirectional
 * overrides, in NFC, so what a write answers is byte for byte what a read returns.
 */

/** In a `u` regex an unpaired surrogate is a code point of its own, of category Cs; a paired one is not. */
const UNPAIRED_SURROGATE = /\p{Cs}/u;
/**
 * C0 (with DEL) and C1 controls, and the bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069): invisible, and able to make a listing read differently from
 * what it says ("Trojan Source", CVE-2021-42574). Multi-line text may hold `\n` and `\t`.
 */
const FORBIDDEN_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const FORBIDDEN_MULTI_LINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/** The same sets as JSON Schema `pattern`s, for the OpenAPI document (unpaired surrogates have no pattern). */
export const TEXT_PATTERN = {
  singleLine: "^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$",
  multiLine: "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$",
} as const;

/** Why `text` is not acceptable free text (naming the offending code point), or null. */
export function textProblem(text: string, multiline: boolean): string | null {
  if (UNPAIRED_SURROGATE.test(text)) return "contains an unpaired UTF-16 surrogate, which is not Unicode text";
  const bad = (multiline ? FORBIDDEN_MULTI_LINE : FORBIDDEN_SINGLE_LINE).exec(text)?.[0];
  if (bad === undefined) return null;
  const code = `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  const kind = /[\u202a-\u202e\u2066-\u2069]/.test(bad) ? "a bidirectional control" : "a control character";
  return `contains ${code}, ${kind}${multiline ? " (only line feeds and tabs are allowed)" : ""}`;
}

/** `text` in Unicode Normalization Form C, trimmed of surrounding white space where asked. */
export function normalizeText(text: string, trim: boolean): string {
  const nfc = text.normalize("NFC");
  return trim ? nfc.trim() : nfc;
}

/** Length in code points, as JSON Schema's minLength/maxLength count it. */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
