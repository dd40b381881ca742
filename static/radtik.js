// The page behaviours that were inline handlers: the Content-Security-Policy allows scripts
// from this site only (radtik/settings.py CONTENT_SECURITY_POLICY).
document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    navigator.clipboard
      .writeText(document.getElementById(copy.dataset.copy).textContent)
      .then(() => { copy.textContent = "Copied"; });
  }
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
  // Rows pushed over the websocket are rendered without a request, so their forms carry an
  // empty CSRF token: the page's own token goes in.
  const token = event.target.querySelector("input[name=csrfmiddlewaretoken]");
  const meta = document.querySelector("meta[name=csrf-token]");
  if (token && !token.value && meta) token.value = meta.content;
});
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-nav-toggle]");
  if (!toggle) return;
  const nav = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = nav.classList.toggle("open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});
// A live list shows one page: rows pushed on top beyond its size (data-live-max) drop off the
// bottom, as they would on a reload, so a burst of new rows never grows the page without end.
document.addEventListener("htmx:wsAfterMessage", () => {
  document.querySelectorAll("tbody[data-live-max]").forEach((body) => {
    const rows = body.querySelectorAll(":scope > tr:not(.empty)");
    for (let i = Number(body.dataset.liveMax); i < rows.length; i++) rows[i].remove();
  });
});
// Bits per second as the charts' axes show them (uPlot's axis `values`: the router page's and
// the dashboard's traffic charts).
window.radtikBps = (u, values) => values.map((v) => {
  if (v == null) return "";
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)} Gbps`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} Mbps`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(0)} kbps`;
  return `${v} bps`;
});
