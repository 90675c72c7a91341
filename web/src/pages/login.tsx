import { useState } from "preact/hooks";
import { ok, Problem, publicApi, setAccessToken, WEB } from "../api";
import { navigate } from "../router";

/** Sign in; the API's words appear next to the field they are about. */
export function Login({ next }: { next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const session = await ok(await publicApi.v1.auth.login.$post({ json: { email, password } }, { headers: WEB }));
      setAccessToken(session.accessToken);
      navigate(next.startsWith("/") ? next : "/");
    } catch (err) {
      setProblem(err instanceof Problem ? err : new Problem(0, "network", "The API could not be reached.", {}));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <form onSubmit={submit} class="grid2" noValidate>
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="email"
            value={email}
            aria-invalid={problem?.fields.email ? "true" : undefined}
            aria-describedby={problem?.fields.email ? "email-error" : undefined}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
          {problem?.fields.email && (
            <span id="email-error" class="error">
              {problem.fields.email}
            </span>
          )}
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
        <div>
          <button class="primary" type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </div>
      </form>
      {problem && (
        <p class="alert" role="alert">
          {problem.detail}
        </p>
      )}
      <p class="muted">
        Demo accounts: tenant1@demo.roomline.dev or landlord1@demo.roomline.dev, password roomline-demo.
      </p>
    </section>
  );
}
