import { decodeCursor } from "../domain/cursor";
import { AppError } from "./errors";

/** The id a `cursor` query parameter points after; null for the first page, 422 for a forged one. */
export function cursorParam(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const id = decodeCursor(cursor);
  if (!id) throw new AppError("validation_failed", "The cursor is not one this API issued.", { errors: [{ path: "cursor", message: "invalid cursor" }] });
  return id;
}
