import { useEffect, useState } from "preact/hooks";

/** The app's few routes, matched on the path; links go through `navigate` (History API, no reload). */
export type Route =
  | { page: "search"; query: string }
  | { page: "listing"; id: string }
  | { page: "login"; next: string }
  | { page: "bookings" }
  | { page: "notifications" }
  | { page: "requests" }
  | { page: "pool" }
  | { page: "signup"; next: string }
  | { page: "saved" }
  | { page: "viewings" }
  | { page: "leases" }
  | { page: "lease"; id: string }
  | { page: "manage" }
  | { page: "property"; id: string }
  | { page: "inbox" };

export function parse(loc: Location): Route {
  const params = new URLSearchParams(loc.search);
  const listing = /^\/listings\/([a-z0-9_]+)$/.exec(loc.pathname);
  if (listing) return { page: "listing", id: listing[1]! };
  const lease = /^\/leases\/([a-z0-9_]+)$/.exec(loc.pathname);
  if (lease) return { page: "lease", id: lease[1]! };
  const property = /^\/manage\/([a-z0-9_]+)$/.exec(loc.pathname);
  if (property) return { page: "property", id: property[1]! };
  if (loc.pathname === "/login") return { page: "login", next: params.get("next") ?? "/" };
  if (loc.pathname === "/bookings") return { page: "bookings" };
  if (loc.pathname === "/notifications") return { page: "notifications" };
  if (loc.pathname === "/requests") return { page: "requests" };
  if (loc.pathname === "/pool") return { page: "pool" };
  for (const page of ["saved", "viewings", "leases", "manage", "inbox"] as const)
    if (loc.pathname === `/${page}`) return { page };
  if (loc.pathname === "/signup") return { page: "signup", next: params.get("next") ?? "/" };
  return { page: "search", query: loc.search };
}

export function navigate(to: string): void {
  history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location));
  useEffect(() => {
    const update = () => setRoute(parse(location));
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return route;
}

/** A link that navigates in place (and still works as a plain link). */
export function linkProps(to: string) {
  return {
    href: to,
    onClick: (e: MouseEvent) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      navigate(to);
    },
  };
}
