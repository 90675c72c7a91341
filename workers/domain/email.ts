/**
 * A notification as an email: the plain text, and the same as minimal HTML (escaped: titles and
 * bodies carry user text such as property titles and chat previews).
 */
export function emailOf(n: { subject: string; body: string; appUrl: string }): {
  subject: string;
  text: string;
  html: string;
} {
  const link = `${n.appUrl.replace(/\/$/, "")}/notifications`;
  return {
    subject: n.subject,
    text: `${n.body}\n\n${link}\n`,
    html: `<!doctype html><html><body><h1 style="font-size:18px">${escapeHtml(n.subject)}</h1><p>${escapeHtml(n.body)}</p><p><a href="${escapeHtml(link)}">Open Roomline</a></p></body></html>`,
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
