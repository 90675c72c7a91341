import { useQuery } from "@tanstack/react-query";
import { useState } from "preact/hooks";
import { ok, publicApi } from "../api";
import { money } from "../format";
import { linkProps, navigate } from "../router";

/** Search: free text with typo tolerance (the API's), results as cards. */
export function Search({ q }: { q: string }) {
  const [text, setText] = useState(q);
  const results = useQuery({
    queryKey: ["search", q],
    enabled: q.length > 0,
    queryFn: async () => ok(await publicApi.v1.search.$get({ query: { q, limit: "24" } })),
  });
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Find a room</h1>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/?q=${encodeURIComponent(text.trim())}`);
        }}
      >
        <label>
          Where, or what
          <input
            name="q"
            type="search"
            value={text}
            placeholder="Lisbon, balcony, studio…"
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
        </label>
        <button class="primary" type="submit">
          Search
        </button>
      </form>
      {!q && <p class="muted">Type a city, a street or what you need; a typo or two is fine.</p>}
      {results.isFetching && <p role="status">Searching…</p>}
      {results.error && (
        <p class="alert" role="alert">
          {(results.error as Error).message}
        </p>
      )}
      {results.data && (
        <>
          <p role="status">
            {results.data.total === 0
              ? "Nothing matches yet: try another spelling or a nearby city."
              : `${results.data.total} ${results.data.total === 1 ? "place" : "places"}`}
          </p>
          <ul class="cards">
            {results.data.items.map((hit) => {
              const cheapest = [...hit.rooms].sort((a, b) => a.price.amount - b.price.amount)[0];
              return (
                <li class="card" key={hit.property.id}>
                  <h2>
                    <a {...linkProps(`/listings/${hit.property.id}`)}>{hit.property.title}</a>
                  </h2>
                  <p class="muted">
                    {hit.property.city}, {hit.property.country} · {hit.property.type.replace("_", " ")}
                  </p>
                  {cheapest && (
                    <p>
                      from {money(cheapest.price)} / {cheapest.rentalMode === "nightly" ? "night" : "month"}
                    </p>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
