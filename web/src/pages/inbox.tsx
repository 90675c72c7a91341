export function Inbox() {
  return <p class="muted">Inbox: coming.</p>;
}
