export function Saved() {
  return <p class="muted">Saved: coming.</p>;
}
