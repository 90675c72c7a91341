import { useState } from "preact/hooks";
import { ok, Problem, publicApi, setAccessToken, WEB } from "../api";
import { linkProps, navigate } from "../router";

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
      <p>
        New here? <a {...linkProps(`/signup?next=${encodeURIComponent(next)}`)}>Create an account</a>
      </p>
      <p class="muted">
        Demo accounts: tenant1@demo.roomline.dev or landlord1@demo.roomline.dev, password roomline-demo.
      </p>
    </section>
  );
}

/** Create an account (tenant or landlord); the API's rules (a 12+ character, uncommon password) come back by the field. */
export function Signup({ next }: { next: string }) {
  const [form, setForm] = useState({ name: "", email: "", password: "", role: "tenant" as "tenant" | "landlord" });
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const session = await ok(await publicApi.v1.auth.register.$post({ json: form }, { headers: WEB }));
      setAccessToken(session.accessToken);
      navigate(next.startsWith("/") ? next : "/");
    } catch (err) {
      setProblem(err instanceof Problem ? err : new Problem(0, "network", "The API could not be reached.", {}));
    } finally {
      setBusy(false);
    }
  };
  const field = (key: "name" | "email" | "password", label: string, type: string, auto: string) => (
    <label>
      {label}
      <input
        name={key}
        type={type}
        autoComplete={auto}
        value={form[key]}
        aria-invalid={problem?.fields[key] ? "true" : undefined}
        aria-describedby={problem?.fields[key] ? `${key}-error` : undefined}
        onInput={set(key)}
      />
      {problem?.fields[key] && (
        <span id={`${key}-error`} class="error">
          {problem.fields[key]}
        </span>
      )}
    </label>
  );
  return (
    <section aria-labelledby="signup-title">
      <h1 id="signup-title">Create an account</h1>
      <form onSubmit={submit} class="grid2" noValidate>
        {field("name", "Name", "text", "name")}
        {field("email", "Email", "email", "email")}
        {field("password", "Password (12 characters or more)", "password", "new-password")}
        <label>
          I am
          <select name="role" value={form.role} onChange={set("role")}>
            <option value="tenant">looking for a room</option>
            <option value="landlord">a landlord</option>
          </select>
        </label>
        <div>
          <button class="primary" type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create account"}
          </button>
        </div>
      </form>
      {problem && (
        <p class="alert" role="alert">
          {problem.detail}
        </p>
      )}
    </section>
  );
}
