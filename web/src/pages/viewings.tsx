export function Viewings() {
  return <p class="muted">Viewings: coming.</p>;
}
