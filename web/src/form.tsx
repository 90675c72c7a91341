import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Problem } from "./api";

/**
 * What the forms of several pages share: reading an API problem (RFC 9457) for its fields, and
 * showing it, a success note, and a labelled select like `Field` (./field).
 */

/** The Problem a query or mutation failed with, or null for any other error (or none). */
export function problemOf(error: unknown): Problem | null {
  return error instanceof Problem ? error : null;
}

/** The API's word on `path`, or on the first field under it (`amenities` for `amenities.2`). */
export function fieldError(problem: Problem | null, path: string): string | undefined {
  if (!problem) return undefined;
  if (problem.fields[path]) return problem.fields[path];
  const under = Object.keys(problem.fields).find((k) => k.startsWith(`${path}.`));
  return under ? problem.fields[under] : undefined;
}

/** An error's message, read out at once; nothing without an error. */
export function Alert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="alert" role="alert">
      {(error as Error).message}
    </p>
  );
}

/** A success note ("Saved." unless told), shown once `show`. */
export function Saved({ show, children = "Saved." }: { show: boolean; children?: ComponentChildren }) {
  if (!show) return null;
  return (
    <p class="ok" role="status">
      {children}
    </p>
  );
}

/** The id of the error under the control named `name`. */
export function errorIdOf(name: string): string {
  return `${name}-error`;
}

/** The attributes that tie a control to its error, when it has one. */
export function describedBy(name: string, error: string | undefined) {
  return {
    "aria-invalid": error ? ("true" as const) : undefined,
    "aria-describedby": error ? errorIdOf(name) : undefined,
  };
}

/** The API's word about a control, under it (nothing when there is none). */
export function FieldError({ name, error }: { name: string; error?: string }) {
  if (!error) return null;
  return (
    <span id={errorIdOf(name)} class="error">
      {error}
    </span>
  );
}

/** A labelled select with the API's word under it, like `Field`; it only ever picks one of `options`. */
export function Select<T extends string>(props: {
  name: string;
  label: string;
  value: T;
  onValue: (value: T) => void;
  options: { value: T; label: string }[];
  error?: string;
}) {
  const pick = (typed: string) => {
    const picked = props.options.find((o) => o.value === typed);
    if (picked) props.onValue(picked.value);
  };
  return (
    <label>
      {props.label}
      <select
        name={props.name}
        value={props.value}
        {...describedBy(props.name, props.error)}
        onChange={(e) => pick((e.target as HTMLSelectElement).value)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError name={props.name} error={props.error} />
    </label>
  );
}

/** A form's typed values as one object, with a setter per field to hand to a control's `onValue`. */
export function useDraft<T extends Record<string, string>>(initial: T | (() => T)) {
  const [draft, setDraft] = useState<T>(initial);
  const set =
    <K extends keyof T>(key: K) =>
    (value: T[K]) =>
      setDraft((d) => ({ ...d, [key]: value }));
  return { draft, set, setDraft };
}
