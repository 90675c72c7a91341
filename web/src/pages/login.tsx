import { useState } from "preact/hooks";
import { ok, Problem, publicApi, setAccessToken, WEB } from "../api";
import { Field } from "../field";
import { linkProps, navigate } from "../router";

/** Opens a session (sign-in or sign-up) and goes on to `next`; a refusal keeps the API's words. */
function useSession(next: string) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const open = async (ask: () => Promise<{ accessToken: string }>) => {
    setBusy(true);
    setProblem(null);
    try {
      setAccessToken((await ask()).accessToken);
      navigate(next.startsWith("/") ? next : "/");
    } catch (err) {
      setProblem(err instanceof Problem ? err : new Problem(0, "network", "The API could not be reached.", {}));
    } finally {
      setBusy(false);
    }
  };
  return { problem, busy, open };
}

function Refusal({ problem }: { problem: Problem | null }) {
  return problem ? (
    <p class="alert" role="alert">
      {problem.detail}
    </p>
  ) : null;
}

/** Sign in; the API's words appear next to the field they are about. */
export function Login({ next }: { next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { problem, busy, open } = useSession(next);
  const submit = (e: Event) => {
    e.preventDefault();
    void open(async () => ok(await publicApi.v1.auth.login.$post({ json: { email, password } }, { headers: WEB })));
  };
  return (
    <section aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <form onSubmit={submit} class="grid2" noValidate>
        <Field
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          value={email}
          onValue={setEmail}
          error={problem?.fields.email}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
        />
        <div>
          <button class="primary" type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </div>
      </form>
      <Refusal problem={problem} />
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
  const { problem, busy, open } = useSession(next);
  const set = (key: "name" | "email" | "password") => (value: string) => setForm({ ...form, [key]: value });
  const submit = (e: Event) => {
    e.preventDefault();
    void open(async () => ok(await publicApi.v1.auth.register.$post({ json: form }, { headers: WEB })));
  };
  return (
    <section aria-labelledby="signup-title">
      <h1 id="signup-title">Create an account</h1>
      <form onSubmit={submit} class="grid2" noValidate>
        <Field
          name="name"
          label="Name"
          autoComplete="name"
          value={form.name}
          onValue={set("name")}
          error={problem?.fields.name}
        />
        <Field
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          value={form.email}
          onValue={set("email")}
          error={problem?.fields.email}
        />
        <Field
          name="password"
          label="Password (12 characters or more)"
          type="password"
          autoComplete="new-password"
          value={form.password}
          onValue={set("password")}
          error={problem?.fields.password}
        />
        <label>
          I am
          <select
            name="role"
            value={form.role}
            onChange={(e) =>
              setForm({ ...form, role: (e.target as HTMLSelectElement).value === "landlord" ? "landlord" : "tenant" })
            }
          >
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
      <Refusal problem={problem} />
    </section>
  );
}
