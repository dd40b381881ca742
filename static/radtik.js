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
// A live page misses no change: one made between the page's render and its websocket's
// subscriptions (or while the socket was down) was pushed to nobody. Once subscribed, the
// server says when the page's topics last had an event ("ready", radtik/realtime/since.py);
// if that is after the page's moment (its request's start, with a second for the hosts'
// clocks), its live regions ([data-live] with an id) are fetched once and swapped in as pushed
// fragments are. One request per (re)connect (again only if fragments came meanwhile); never
// a poll.
window.radtikRefreshing = 0;
let pushes = 0; // fragments received: a catch-up rendered before one of them is stale
document.addEventListener("htmx:wsBeforeMessage", (event) => {
  const text = event.detail.message;
  if (typeof text !== "string" || !text.startsWith("{")) {
    pushes += 1;
    return;
  }
  event.preventDefault(); // a JSON frame ("subscribed", "ready"), not a fragment
  let frame;
  try { frame = JSON.parse(text); } catch (e) { return; }
  const since = document.querySelector("meta[name=live-since]");
  if (frame.type === "ready" && since && frame.last > Number(since.content) - 1) liveRefresh(since);
});
async function liveRefresh(since) {
  // Outermost only: a row's badge comes with its table.
  const regions = [...document.querySelectorAll("[data-live][id]")]
    .filter((region) => !region.parentElement.closest("[data-live]"));
  if (!regions.length) return;
  window.radtikRefreshing += 1;
  try {
    let fresh;
    // A fragment pushed while the page was fetched may be newer than the fetched page: swapping
    // that page in would undo it (a dropped row back), so fetch again (three tries at most).
    for (let tries = 0; tries < 3; tries += 1) {
      const seen = pushes;
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      if (pushes === seen) break;
    }
    const parts = regions.map((region) => fresh.getElementById(region.id)).filter(Boolean);
    parts.forEach((part) => part.setAttribute("hx-swap-oob", "true"));
    if (parts.length) {
      htmx.swap(document.body, parts.map((part) => part.outerHTML).join(""), { swapStyle: "none" });
    }
    const moment = fresh.querySelector("meta[name=live-since]");
    if (moment) since.content = moment.content;
  } finally {
    window.radtikRefreshing -= 1;
  }
}
