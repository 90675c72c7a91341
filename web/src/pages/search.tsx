import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { InferRequestType, InferResponseType } from "hono/client";
import { useState } from "preact/hooks";
import { ok, Problem, publicApi } from "../api";
import { money, toMajor, toMinor } from "../format";
import { ResultsMap } from "../map";
import { linkProps, navigate } from "../router";

const SORTS = {
  relevance: "Best match",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
  newest: "Newest",
};
const REPEATED = ["type", "amenities"] as const;
const SINGLE = ["q", "city", "rentalMode", "minPrice", "maxPrice", "currency", "from", "to", "units", "sort", "bbox"];

/** The search as the URL holds it: what the API takes, so a search can be shared, reloaded, gone back to. */
type Query = InferRequestType<typeof publicApi.v1.search.$get>["query"];
type Page = InferResponseType<typeof publicApi.v1.search.$get, 200>;

function searchQuery(params: URLSearchParams): Query {
  const query: Record<string, string | string[]> = { limit: "20" };
  for (const key of SINGLE) {
    const v = params.get(key);
    if (v) query[key] = v;
  }
  for (const key of REPEATED) if (params.getAll(key).length > 0) query[key] = params.getAll(key);
  return query as Query;
}

/** The URL with one parameter changed (null removes it); the page cursor always starts over. */
function withParam(params: URLSearchParams, key: string, value: string | string[] | null): string {
  const next = new URLSearchParams(params);
  next.delete(key);
  for (const v of value === null ? [] : Array.isArray(value) ? value : [value]) if (v) next.append(key, v);
  return `/?${next}`;
}

/**
 * Search: free text with typo tolerance and suggestions, dates and units, price in a currency,
 * facets to narrow by (type, amenities, city, stay), sort, results as cards and on a map, more
 * pages by cursor. Everything lives in the URL.
 */
export function Search({ query }: { query: string }) {
  const params = new URLSearchParams(query);
  const asked = searchQuery(params);
  const searching = Object.keys(asked).length > 1;
  const results = useInfiniteQuery({
    queryKey: ["search", asked],
    enabled: searching,
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    queryFn: async ({ pageParam }: { pageParam: string }): Promise<Page> =>
      ok(await publicApi.v1.search.$get({ query: pageParam ? { ...asked, cursor: pageParam } : asked })),
  });
  const first = results.data?.pages[0];
  const hits = results.data?.pages.flatMap((p) => p.items) ?? [];
  const problem = results.error instanceof Problem ? results.error : null;
  const [area, setArea] = useState<string | null>(null);
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Find a room</h1>
      <SearchForm params={params} problem={problem} />
      {!searching && <p class="muted">Type a city, a street or what you need; a typo or two is fine.</p>}
      {results.isFetching && <p role="status">Searching…</p>}
      {results.error && !problem?.fields && (
        <p class="alert" role="alert">
          {(results.error as Error).message}
        </p>
      )}
      {results.error && problem && (
        <p class="alert" role="alert">
          {problem.detail} {Object.entries(problem.fields).map(([f, m]) => `${f}: ${m}. `)}
        </p>
      )}
      {first && (
        <>
          <Facets params={params} facets={first.facets} />
          <div class="calendar-head">
            <p role="status">
              {first.total === 0
                ? "Nothing matches yet: try another spelling, fewer filters or a nearby city."
                : `${first.total} ${first.total === 1 ? "place" : "places"}`}
            </p>
            <label>
              Sort
              <select
                name="sort"
                value={params.get("sort") ?? "relevance"}
                onChange={(e) => navigate(withParam(params, "sort", (e.target as HTMLSelectElement).value))}
              >
                {Object.entries(SORTS).map(([v, label]) => (
                  <option key={v} value={v}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <ResultsMap
            pins={hits.map((h) => ({
              id: h.property.id,
              label: h.property.title,
              lat: h.property.location.lat,
              lng: h.property.location.lng,
              href: `/listings/${h.property.id}`,
            }))}
            onArea={setArea}
          />
          {area && (
            <p>
              <button type="button" class="link" onClick={() => navigate(withParam(params, "bbox", area))}>
                Search this area of the map
              </button>
              {params.get("bbox") && (
                <>
                  {" · "}
                  <button type="button" class="link" onClick={() => navigate(withParam(params, "bbox", null))}>
                    Anywhere
                  </button>
                </>
              )}
            </p>
          )}
          <ul class="cards">
            {hits.map((hit) => (
              <Hit key={hit.property.id} hit={hit} />
            ))}
          </ul>
          {results.hasNextPage && (
            <button
              type="button"
              class="primary"
              disabled={results.isFetchingNextPage}
              onClick={() => void results.fetchNextPage()}
            >
              {results.isFetchingNextPage ? "Loading…" : "More places"}
            </button>
          )}
        </>
      )}
    </section>
  );
}

type Hit = {
  property: { id: string; title: string; type: string; city: string; country: string; photoUrl?: string };
  rooms: { rentalMode: string; price: { amount: number; currency: string } }[];
  highlight: { title?: string };
  distanceKm?: number;
};

function Hit({ hit }: { hit: Hit }) {
  const cheapest = [...hit.rooms].sort((a, b) => a.price.amount - b.price.amount)[0];
  return (
    <li class="card">
      {hit.property.photoUrl && <img class="photo" src={hit.property.photoUrl} alt="" loading="lazy" />}
      <h2>
        <a {...linkProps(`/listings/${hit.property.id}`)}>
          <Marked html={hit.highlight.title ?? hit.property.title} />
        </a>
      </h2>
      <p class="muted">
        {hit.property.city}, {hit.property.country} · {hit.property.type.replace("_", " ")}
        {hit.distanceKm !== undefined && ` · ${hit.distanceKm.toFixed(1)} km`}
      </p>
      {cheapest && (
        <p>
          from {money(cheapest.price)} / {cheapest.rentalMode === "nightly" ? "night" : "month"}
        </p>
      )}
    </li>
  );
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

/** The API's highlight (escaped text, matches in <mark>) as elements, never as HTML. */
function Marked({ html }: { html: string }) {
  const parts = html.split(/(<mark>.*?<\/mark>)/g).filter(Boolean);
  const text = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith("<mark>") ? <mark key={i}>{text(p.slice(6, -7))}</mark> : <span key={i}>{text(p)}</span>,
      )}
    </>
  );
}

/** Text with completions (the API's suggest), stay, dates, units, price: submitted into the URL. */
function SearchForm({ params, problem }: { params: URLSearchParams; problem: Problem | null }) {
  const [text, setText] = useState(params.get("q") ?? "");
  const [from, setFrom] = useState(params.get("from") ?? "");
  const [to, setTo] = useState(params.get("to") ?? "");
  const [units, setUnits] = useState(params.get("units") ?? "");
  const [mode, setMode] = useState(params.get("rentalMode") ?? "");
  const currency = params.get("currency") ?? "EUR";
  const [cur, setCur] = useState(currency);
  const major = (key: string) => {
    const v = params.get(key);
    return v ? toMajor({ amount: Number(v), currency }) : "";
  };
  const [minPrice, setMin] = useState(major("minPrice"));
  const [maxPrice, setMax] = useState(major("maxPrice"));
  const suggest = useQuery({
    queryKey: ["suggest", text],
    enabled: text.trim().length >= 2,
    staleTime: 60_000,
    queryFn: async () => ok(await publicApi.v1.search.suggest.$get({ query: { q: text.trim() } })),
  });
  const submit = (e: Event) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const key of [...REPEATED, "city", "sort", "bbox"]) for (const v of params.getAll(key)) next.append(key, v);
    const set = (k: string, v: string) => v && next.set(k, v);
    set("q", text.trim());
    set("from", from);
    set("to", to);
    set("units", units);
    set("rentalMode", mode);
    if (minPrice || maxPrice) {
      next.set("currency", cur);
      if (minPrice) next.set("minPrice", String(toMinor(minPrice, cur)));
      if (maxPrice) next.set("maxPrice", String(toMinor(maxPrice, cur)));
    }
    navigate(`/?${next}`);
  };
  const err = (k: string) => problem?.fields[k];
  return (
    <form class="filters" role="search" onSubmit={submit}>
      <label style={{ gridColumn: "1 / -1" }}>
        Where, or what
        <input
          name="q"
          type="search"
          list="suggestions"
          value={text}
          placeholder="Lisbon, balcony, studio…"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <datalist id="suggestions">
          {suggest.data?.items.map((s) => (
            <option key={`${s.kind}:${s.text}`} value={s.text} />
          ))}
        </datalist>
      </label>
      <label>
        Stay
        <select name="rentalMode" value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          <option value="nightly">by the night</option>
          <option value="monthly">by the month</option>
        </select>
      </label>
      <DateField name="from" label="Arrive" value={from} onValue={setFrom} error={err("from")} />
      <DateField name="to" label="Leave" value={to} onValue={setTo} error={err("to")} />
      <label>
        Guests or units
        <input
          name="units"
          type="number"
          min="1"
          value={units}
          onInput={(e) => setUnits((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        Currency
        <select name="currency" value={cur} onChange={(e) => setCur((e.target as HTMLSelectElement).value)}>
          {["EUR", "GBP", "USD", "CHF", "JPY"].map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Lowest price
        <input
          name="minPrice"
          inputMode="decimal"
          value={minPrice}
          onInput={(e) => setMin((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        Highest price
        <input
          name="maxPrice"
          inputMode="decimal"
          value={maxPrice}
          onInput={(e) => setMax((e.target as HTMLInputElement).value)}
        />
      </label>
      <div>
        <button class="primary" type="submit">
          Search
        </button>
      </div>
    </form>
  );
}

function DateField(props: {
  name: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  error?: string;
}) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type="date"
        value={props.value}
        aria-invalid={props.error ? "true" : undefined}
        onInput={(e) => props.onValue((e.target as HTMLInputElement).value)}
      />
      {props.error && <span class="error">{props.error}</span>}
    </label>
  );
}

type Facets = {
  type: Record<string, number>;
  amenities: Record<string, number>;
  city: Record<string, number>;
  rentalMode: Record<string, number>;
};

/** Counts over the whole result (each facet ignoring its own filter): press one to narrow, again to widen. */
function Facets({ params, facets }: { params: URLSearchParams; facets: Facets }) {
  const groups: { key: string; label: string; counts: Record<string, number>; many: boolean }[] = [
    { key: "type", label: "Type", counts: facets.type, many: true },
    { key: "city", label: "City", counts: facets.city, many: false },
    { key: "amenities", label: "Amenities (all of)", counts: facets.amenities, many: true },
  ];
  return (
    <div>
      {groups.map((g) => {
        const entries = Object.entries(g.counts)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 10);
        if (entries.length === 0) return null;
        const chosen = params.getAll(g.key);
        return (
          <fieldset key={g.key} class="facets">
            <legend>{g.label}</legend>
            {entries.map(([value, count]) => {
              const on = chosen.includes(value);
              const next = g.many ? (on ? chosen.filter((v) => v !== value) : [...chosen, value]) : on ? null : value;
              return (
                <button
                  key={value}
                  type="button"
                  class="chip"
                  aria-pressed={on ? "true" : "false"}
                  onClick={() => navigate(withParam(params, g.key, next))}
                >
                  {value.replaceAll("_", " ")} ({count})
                </button>
              );
            })}
          </fieldset>
        );
      })}
    </div>
  );
}
