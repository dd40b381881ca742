// The dashboard's charts (uPlot, vendored under static/vendor/uplot): online users and traffic
// over the last 24 hours, income per day over 30 days. Their data comes with the figures
// fragment (#dashboard-chart-data): each pushed re-render redraws them; nothing polls.
(() => {
  const root = document.getElementById("dashboard-charts");
  if (!root || typeof uPlot === "undefined") return;
  const read = () => {
    const el = document.getElementById("dashboard-chart-data");
    return el ? JSON.parse(el.textContent) : null;
  };
  const bps = window.radtikBps;
  const charts = {
    online: {
      title: "Online users (as the routers count them)",
      source: "traffic",
      series: [["hotspot", "Hotspot", "#6a1b9a"], ["pppoe", "PPPoE", "#00838f"]],
      axis: {},
    },
    traffic: {
      title: "Traffic (all routers)",
      source: "traffic",
      series: [["rx_bps", "Rx", "#2e7d32"], ["tx_bps", "Tx", "#8a5a00"]],
      axis: { values: bps, size: 80 },
    },
    income: {
      title: "Income per day",
      source: "income",
      series: [["income", "Income", "#1a5fb4"]],
      axis: { size: 70 },
      bars: true,
    },
  };
  const columns = (data, spec) => {
    const source = data[spec.source];
    return [source.t, ...spec.series.map(([key]) => source[key])];
  };
  let data = read();
  if (!data) return;
  const plots = {};
  for (const [name, spec] of Object.entries(charts)) {
    const el = root.querySelector(`[data-chart="${name}"]`);
    const width = Math.max(300, el.clientWidth || root.clientWidth || 600);
    const paths = spec.bars && uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6] }) : undefined;
    plots[name] = new uPlot(
      {
        title: spec.title,
        width,
        height: 180,
        series: [{}, ...spec.series.map(([, label, stroke]) => ({
          label, stroke, width: 2, ...(paths ? { paths, fill: `${stroke}55` } : {}),
        }))],
        axes: [{}, spec.axis],
      },
      columns(data, spec),
      el,
    );
  }
  // The figures fragment replaces #dashboard-figures (hx-swap-oob): redraw from its data.
  const figures = document.getElementById("dashboard-figures");
  new MutationObserver(() => {
    const fresh = read();
    if (!fresh) return;
    data = fresh;
    for (const [name, spec] of Object.entries(charts)) plots[name].setData(columns(data, spec));
    root.dataset.redrawn = String(Number(root.dataset.redrawn || 0) + 1);
  }).observe(figures.parentNode, { childList: true });
})();
