import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { InferResponseType } from "hono/client";
import { useState } from "preact/hooks";
import { api, ok, Problem } from "../../api";
import { Field } from "../../field";
import { Alert, fieldError, problemOf, Saved, Select, useDraft } from "../../form";
import { num } from "./shared";

/** A room's viewing hours as the API stores them. */
type Hours = InferResponseType<(typeof api.v1.rooms)[":id"]["viewing-hours"]["$get"], 200>;

/** The API's weekdays (0 = Sunday … 6 = Saturday), listed Monday first. */
const WEEKDAYS: { value: number; label: string }[] = [
  { value: 1, label: "Monday" },
  { value: 2, label: "Tuesday" },
  { value: 3, label: "Wednesday" },
  { value: 4, label: "Thursday" },
  { value: 5, label: "Friday" },
  { value: 6, label: "Saturday" },
  { value: 0, label: "Sunday" },
];

const WEEKDAY_OPTIONS = WEEKDAYS.map((d) => ({ value: String(d.value), label: d.label }));

/** A viewing window as the form edits it; `key` keeps its row while others come and go. */
type WindowRow = { key: number; weekday: number; start: string; end: string };

let rowKeys = 0;

/** A room's viewing hours: loaded (none yet is a 404), then edited. */
export function ViewingHoursSection({ roomId }: { roomId: string }) {
  const hours = useQuery({
    queryKey: ["viewing-hours", roomId],
    queryFn: async (): Promise<Hours | null> => {
      try {
        return await ok(await api.v1.rooms[":id"]["viewing-hours"].$get({ param: { id: roomId } }));
      } catch (err) {
        // A room without viewing hours answers 404: nothing set yet.
        if (err instanceof Problem && err.status === 404) return null;
        throw err;
      }
    },
  });
  return (
    <div>
      <h4 id={`${roomId}-hours-title`}>Viewing hours</h4>
      {hours.isLoading && <p role="status">Loading viewing hours…</p>}
      <Alert error={hours.error} />
      {hours.data !== undefined && <ViewingHoursForm roomId={roomId} initial={hours.data} />}
    </div>
  );
}

/** The hours' settings besides the windows, as typed (defaults when none are set yet). */
function settingsOf(initial: Hours | null) {
  return {
    slot: String(initial?.slotMinutes ?? 30),
    buffer: String(initial?.bufferMinutes ?? 0),
    notice: String(initial?.minNoticeHours ?? 24),
    horizon: String(initial?.horizonDays ?? 30),
  };
}

type Settings = ReturnType<typeof settingsOf>;

/** The windows and settings, saved as a whole; the answer becomes the cached hours. */
function ViewingHoursForm({ roomId, initial }: { roomId: string; initial: Hours | null }) {
  const client = useQueryClient();
  const [windows, setWindows] = useState<WindowRow[]>(() =>
    (initial?.windows ?? []).map((w) => ({ ...w, key: rowKeys++ })),
  );
  const { draft, set } = useDraft(() => settingsOf(initial));
  const save = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.rooms[":id"]["viewing-hours"].$put({
          param: { id: roomId },
          json: {
            slotMinutes: num(draft.slot),
            bufferMinutes: num(draft.buffer),
            minNoticeHours: num(draft.notice),
            horizonDays: num(draft.horizon),
            windows: windows.map((w) => ({ weekday: w.weekday, start: w.start.trim(), end: w.end.trim() })),
          },
        }),
      ),
    onSuccess: (stored) => client.setQueryData(["viewing-hours", roomId], stored),
  });
  const problem = problemOf(save.error);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <p class="muted">Weekly windows, in the property's timezone, when tenants can book a viewing.</p>
      <WindowList roomId={roomId} windows={windows} setWindows={setWindows} problem={problem} />
      <SettingsFields roomId={roomId} draft={draft} set={set} problem={problem} />
      <p>
        <button class="primary" type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save viewing hours"}
        </button>
      </p>
      <Saved show={save.isSuccess} />
      <Alert error={save.error} />
    </form>
  );
}

/** The weekly windows, one fieldset each, with adding and removing them. */
function WindowList(props: {
  roomId: string;
  windows: WindowRow[];
  setWindows: (update: (ws: WindowRow[]) => WindowRow[]) => void;
  problem: Problem | null;
}) {
  const { windows, setWindows, problem } = props;
  const change = (key: number, patch: Partial<WindowRow>) =>
    setWindows((ws) => ws.map((w) => (w.key === key ? { ...w, ...patch } : w)));
  const remove = (key: number) => setWindows((ws) => ws.filter((x) => x.key !== key));
  return (
    <>
      {windows.length === 0 && <p class="muted">No viewing windows: add one so tenants can book viewings.</p>}
      {windows.map((w, i) => (
        <WindowFieldset
          key={w.key}
          name={`${props.roomId}-w${i}`}
          index={i}
          row={w}
          onChange={(patch) => change(w.key, patch)}
          onRemove={() => remove(w.key)}
          problem={problem}
        />
      ))}
      <p>
        <button
          type="button"
          class="link"
          onClick={() => setWindows((ws) => [...ws, { key: rowKeys++, weekday: 6, start: "10:00", end: "13:00" }])}
        >
          Add a window
        </button>
      </p>
      {problem?.fields["windows"] && <p class="error">{problem.fields["windows"]}</p>}
    </>
  );
}

/** One window: its day, and the times it runs from and to. */
function WindowFieldset(props: {
  name: string;
  index: number;
  row: WindowRow;
  onChange: (patch: Partial<WindowRow>) => void;
  onRemove: () => void;
  problem: Problem | null;
}) {
  const { name, index: i, row: w, onChange, problem } = props;
  return (
    <fieldset class="grid2">
      <legend>Window {i + 1}</legend>
      <Select
        name={`${name}-weekday`}
        label="Day"
        value={String(w.weekday)}
        onValue={(v) => onChange({ weekday: Number(v) })}
        options={WEEKDAY_OPTIONS}
        error={fieldError(problem, `windows.${i}.weekday`)}
      />
      <Field
        name={`${name}-start`}
        label="From"
        placeholder="10:00"
        value={w.start}
        onValue={(v) => onChange({ start: v })}
        error={fieldError(problem, `windows.${i}.start`)}
      />
      <Field
        name={`${name}-end`}
        label="To"
        placeholder="13:00"
        value={w.end}
        onValue={(v) => onChange({ end: v })}
        error={fieldError(problem, `windows.${i}.end`) ?? problem?.fields[`windows.${i}`]}
      />
      <div>
        <button type="button" class="link" onClick={props.onRemove}>
          Remove window {i + 1}
        </button>
      </div>
    </fieldset>
  );
}

/** Viewing length, the gap between viewings, the notice needed, and how far ahead they book. */
function SettingsFields(props: {
  roomId: string;
  draft: Settings;
  set: <K extends keyof Settings>(key: K) => (value: Settings[K]) => void;
  problem: Problem | null;
}) {
  const { roomId, draft, set, problem } = props;
  return (
    <div class="grid2">
      <Field
        name={`${roomId}-slot`}
        label="Viewing length (minutes)"
        type="number"
        inputMode="numeric"
        value={draft.slot}
        onValue={set("slot")}
        error={fieldError(problem, "slotMinutes")}
      />
      <Field
        name={`${roomId}-buffer`}
        label="Gap between viewings (minutes)"
        type="number"
        inputMode="numeric"
        value={draft.buffer}
        onValue={set("buffer")}
        error={fieldError(problem, "bufferMinutes")}
      />
      <Field
        name={`${roomId}-notice`}
        label="Notice needed (hours)"
        type="number"
        inputMode="numeric"
        value={draft.notice}
        onValue={set("notice")}
        error={fieldError(problem, "minNoticeHours")}
      />
      <Field
        name={`${roomId}-horizon`}
        label="Bookable ahead (days)"
        type="number"
        inputMode="numeric"
        value={draft.horizon}
        onValue={set("horizon")}
        error={fieldError(problem, "horizonDays")}
      />
    </div>
  );
}
