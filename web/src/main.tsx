import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ok, onAuthChange, refreshSession, setAccessToken, signedIn, publicApi, WEB } from "./api";
import { Bookings } from "./pages/bookings";
import { Inbox } from "./pages/inbox";
import { Lease } from "./pages/leases/lease";
import { Leases } from "./pages/leases/leases";
import { Manage } from "./pages/manage/properties";
import { ManageProperty } from "./pages/manage/property";
import { Saved } from "./pages/saved";
import { Viewings } from "./pages/viewings";
import { Listing } from "./pages/listing";
import { Login, Signup } from "./pages/login";
import { Notifications, useUnread } from "./pages/notifications";
import { Pool, Requests } from "./pages/requests";
import { Search } from "./pages/search";
import { linkProps, navigate, useRoute } from "./router";
import "./styles.css";

const queries = new QueryClient({
  defaultOptions: { queries: { retry: (n, err) => n < 2 && !(err as { status?: number }).status, staleTime: 10_000 } },
});

function useSignedIn(): boolean {
  const [state, setState] = useState(signedIn());
  useEffect(() => onAuthChange(() => setState(signedIn())), []);
  return state;
}

function App() {
  const route = useRoute();
  const isIn = useSignedIn();
  const unread = useUnread(isIn);
  const me = useQuery({
    queryKey: ["me"],
    enabled: isIn,
    queryFn: async () => ok(await api.v1.me.$get()),
  });
  const role = isIn ? me.data?.role : undefined;
  const signOut = async () => {
    await publicApi.v1.auth.logout.$post({ json: {} }, { headers: WEB }).catch(() => undefined);
    setAccessToken(null);
    queries.clear();
    navigate("/");
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="bar">
        <a class="brand" {...linkProps("/")}>
          Roomline
        </a>
        <nav aria-label="Main">
          <a {...linkProps("/")}>Search</a>
          {isIn && role === "tenant" && <a {...linkProps("/saved")}>Saved</a>}
          {isIn && role === "landlord" && <a {...linkProps("/manage")}>My properties</a>}
          {isIn && <a {...linkProps("/bookings")}>Bookings</a>}
          {isIn && <a {...linkProps("/viewings")}>Viewings</a>}
          {isIn && <a {...linkProps("/leases")}>Leases</a>}
          {isIn && role === "tenant" && <a {...linkProps("/requests")}>Requests</a>}
          {isIn && role === "landlord" && <a {...linkProps("/pool")}>Request pool</a>}
          {isIn && role === "landlord" && <a {...linkProps("/inbox")}>Inbox</a>}
          {isIn && (
            <a {...linkProps("/notifications")}>
              Notifications
              {unread.data && unread.data.count > 0 && (
                <span class="badge" aria-label={`${unread.data.count} unread`}>
                  {unread.data.count}
                </span>
              )}
            </a>
          )}
          {isIn ? (
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          ) : (
            <a {...linkProps(`/login?next=${encodeURIComponent(location.pathname + location.search)}`)}>Sign in</a>
          )}
        </nav>
      </header>
      <main id="main">
        {route.page === "search" && <Search query={route.query} />}
        {route.page === "listing" && <Listing id={route.id} />}
        {route.page === "login" && <Login next={route.next} />}
        {route.page === "bookings" && <Bookings />}
        {route.page === "notifications" && <Notifications />}
        {route.page === "requests" && <Requests />}
        {route.page === "pool" && <Pool />}
        {route.page === "signup" && <Signup next={route.next} />}
        {route.page === "saved" && <Saved />}
        {route.page === "viewings" && <Viewings />}
        {route.page === "leases" && <Leases />}
        {route.page === "lease" && <Lease id={route.id} />}
        {route.page === "manage" && <Manage />}
        {route.page === "property" && <ManageProperty id={route.id} />}
        {route.page === "inbox" && <Inbox />}
      </main>
    </>
  );
}

void refreshSession().finally(() =>
  render(
    <QueryClientProvider client={queries}>
      <App />
    </QueryClientProvider>,
    document.getElementById("app")!,
  ),
);
