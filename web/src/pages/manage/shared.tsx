import type { InferRequestType, InferResponseType } from "hono/client";
import { Problem, type api } from "../../api";
import { describedBy, FieldError } from "../../form";
import { toMinor } from "../../format";
import { linkProps } from "../../router";

/** A property as the API answers it (its owner's view, archived or not). */
export type PropertyItem = InferResponseType<(typeof api.v1.properties)[":id"]["$get"], 200>;
export type PropertyType = InferRequestType<typeof api.v1.properties.$post>["json"]["type"];

export const TYPES: { value: PropertyType; label: string }[] = [
  { value: "apartment", label: "Apartment" },
  { value: "house", label: "House" },
  { value: "studio", label: "Studio" },
  { value: "shared_house", label: "Shared house" },
  { value: "residence", label: "Residence" },
];

/** A typed number; empty is NaN, which goes out as null so the API names the field. */
export function num(typed: string): number {
  return typed.trim() === "" ? NaN : Number(typed);
}

/** Typed amenities ("wifi, washing machine") as the API's list, blanks dropped. */
export function amenityList(typed: string): string[] {
  return typed
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
}

/** Minor units for a typed amount, or a field problem when the currency is no currency at all. */
export function minorOf(typed: string, currency: string, path: string): number {
  try {
    return toMinor(typed, currency);
  } catch {
    throw new Problem(422, "validation_failed", "Check the currency.", {
      [path]: "must be an ISO 4217 currency code such as EUR",
    });
  }
}

/** A labelled multi-line input with the API's word under it, like `Field`. */
export function TextArea(props: {
  name: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string;
}) {
  return (
    <label>
      {props.label}
      <textarea
        name={props.name}
        rows={4}
        value={props.value}
        {...describedBy(props.name, props.error)}
        onInput={(e) => props.onValue((e.target as HTMLTextAreaElement).value)}
      />
      <FieldError name={props.name} error={props.error} />
    </label>
  );
}

/** What a signed-out visitor sees instead of the landlord's screens. */
export function SignInFirst({ next }: { next: string }) {
  return (
    <p class="notice">
      <a {...linkProps(`/login?next=${encodeURIComponent(next)}`)}>Sign in</a> as a landlord to manage your properties.
    </p>
  );
}
