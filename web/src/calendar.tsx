import { useQuery } from "@tanstack/react-query";
import { useState } from "preact/hooks";
import { api, ok } from "./api";
import { addDays, day, today } from "./format";

const WEEK = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/** The first day of the month `iso` falls in, moved by `months`. */
function monthStart(iso: string, months = 0): string {
  const d = new Date(`${iso.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/**
 * A room's free units per night, a month at a time (the API's availability, which the room's own
 * calendar answers): free nights green, taken nights struck through, each cell read out in words.
 */
export function Calendar({ roomId, title = "Availability" }: { roomId: string; title?: string }) {
  const [from, setFrom] = useState(() => monthStart(today()));
  const to = monthStart(from, 1);
  const days = useQuery({
    queryKey: ["availability", roomId, from],
    queryFn: async () =>
      ok(await api.v1.rooms[":id"].availability.$get({ param: { id: roomId }, query: { from, to } })),
  });
  const month = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(`${from}T00:00:00Z`),
  );
  const lead = (new Date(`${from}T00:00:00Z`).getUTCDay() + 6) % 7;
  const cells: ({ date: string; units: number; available: boolean } | null)[] = [
    ...Array.from({ length: lead }, () => null),
    ...(days.data?.days ?? []),
  ];
  const weeks = Array.from({ length: Math.ceil(cells.length / 7) }, (_, i) => cells.slice(i * 7, i * 7 + 7));
  const past = addDays(today(), -1);
  return (
    <section class="calendar" aria-label={`${title}: ${month}`}>
      <div class="calendar-head">
        <button type="button" class="link" onClick={() => setFrom(monthStart(from, -1))} disabled={from <= today()}>
          Previous month
        </button>
        <strong>{month}</strong>
        <button type="button" class="link" onClick={() => setFrom(monthStart(from, 1))}>
          Next month
        </button>
      </div>
      {days.error && (
        <p class="alert" role="alert">
          {(days.error as Error).message}
        </p>
      )}
      <table>
        <caption class="sr">
          {title}, {month}
        </caption>
        <thead>
          <tr>
            {WEEK.map((d) => (
              <th key={d} scope="col">
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, i) => (
            <tr key={i}>
              {week.map((c, j) =>
                c ? (
                  <td
                    key={c.date}
                    class={c.date <= past ? "past" : c.available ? "free" : "taken"}
                    aria-label={`${day(c.date)}: ${c.available ? `${c.units} of ${days.data!.capacity} free` : "taken"}`}
                  >
                    {Number(c.date.slice(8))}
                  </td>
                ) : (
                  <td key={`pad${j}`} />
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
