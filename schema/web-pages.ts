/**
 * Every page path the web app routes (web/src/router.ts); the worker serves the app's page for
 * exactly these and leaves everything else to the API's 404.
 */
export const WEB_PAGES = [
  "/",
  "/login",
  "/signup",
  "/bookings",
  "/notifications",
  "/requests",
  "/pool",
  "/saved",
  "/viewings",
  "/leases",
  "/inbox",
  "/manage",
  "/listings/:id",
  "/leases/:id",
  "/manage/:id",
] as const;
