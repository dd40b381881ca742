// The router page's charts (uPlot, vendored under static/vendor/uplot): the last hour, day or
// week from the data the page was rendered with, and the hour growing with each check the
// websocket pushes (the RouterLiveData fragment replaces #router-<id>-sample; nothing polls).
(() => {
  const root = document.getElementById("router-charts");
  const data = document.getElementById("router-samples");
  if (!root || !data || typeof uPlot === "undefined") return;
  const windows = JSON.parse(data.textContent);
  const feedId = `router-${root.dataset.router}-sample`;
  const HOUR = 3600;
  let current = "hour";

  const bps = window.radtikBps;
  const charts = {
    load: {
      title: "CPU and memory (%)",
      series: [["cpu_load", "CPU %", "#c62828"], ["memory_pct", "Memory used %", "#1a5fb4"]],
      axis: {},
    },
    traffic: {
      title: "Traffic (all ports)",
      series: [["rx_bps", "Rx", "#2e7d32"], ["tx_bps", "Tx", "#8a5a00"]],
      axis: { values: bps, size: 80 },
    },
    clients: {
      title: "Sessions",
      series: [["hotspot_active", "Hotspot", "#6a1b9a"], ["ppp_active", "PPP", "#00838f"]],
      axis: {},
    },
  };

  const columns = (name, spec) => [windows[name].t, ...spec.series.map(([key]) => windows[name][key])];
  const plots = {};
  for (const [name, spec] of Object.entries(charts)) {
    const el = root.querySelector(`[data-chart="${name}"]`);
    const width = Math.max(300, el.clientWidth || root.clientWidth || 600);
    plots[name] = new uPlot(
      {
        title: spec.title,
        width,
        height: 180,
        series: [{}, ...spec.series.map(([, label, stroke]) => ({ label, stroke, width: 2 }))],
        axes: [{}, spec.axis],
      },
      columns(current, spec),
      el,
    );
  }
  const redraw = () => {
    for (const [name, spec] of Object.entries(charts)) plots[name].setData(columns(current, spec));
  };

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-window]");
    if (!button) return;
    current = button.dataset.window;
    root.querySelectorAll("[data-window]").forEach((b) => {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    redraw();
  });

  // Each check's point: appended to the hour (and anything older than an hour dropped).
  const append = (point) => {
    const hour = windows.hour;
    if (point.t == null || (hour.t.length && point.t <= hour.t[hour.t.length - 1])) return;
    for (const key of Object.keys(hour)) hour[key].push(point[key] ?? null);
    while (hour.t.length && hour.t[0] < point.t - HOUR) {
      for (const key of Object.keys(hour)) hour[key].shift();
    }
    root.dataset.points = String(hour.t.length);
    if (current === "hour") redraw();
  };
  new MutationObserver(() => {
    const feed = document.getElementById(feedId);
    if (feed && feed.dataset.sample && feed.dataset.seen !== "1") {
      feed.dataset.seen = "1";
      append(JSON.parse(feed.dataset.sample));
    }
  }).observe(document.body, { childList: true, subtree: true });
  root.dataset.points = String(windows.hour.t.length);
})();
