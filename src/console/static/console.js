// The console's only own script (CSP: script-src 'self'): draws the charts (overview time series, survey bars) with
// uPlot from the JSON the server embedded in <script type="application/json" id="chart-data">. No inline handlers.
(function () {
  "use strict";
  var INT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8, 1e9, 1e10];
  function compact(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toFixed(1) + "B";
    if (a >= 1e6) return +(v / 1e6).toFixed(1) + "M";
    if (a >= 1e3) return +(v / 1e3).toFixed(1) + "k";
    return String(v);
  }
  function axisValues(u, splits) { return splits.map(compact); }
  // A bar chart over categories (survey answers): x = 0…n-1, labelled by ch.labels.
  function bars(ch, box, width) {
    var n = ch.labels.length;
    var s = ch.series[0];
    new uPlot({
      width: width, height: 200, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, n - 0.5] }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [
        { space: 10, incrs: [1], values: function (u, splits) { return splits.map(function (i) { return ch.labels[i] == null ? "" : ch.labels[i]; }); }, grid: { show: false } },
        { size: 40, incrs: INT_INCRS, values: axisValues },
      ],
      series: [{}, { label: s.label, stroke: s.color, fill: s.color, width: 0, paths: uPlot.paths.bars({ size: [0.7, 60] }), points: { show: false } }],
    }, [ch.labels.map(function (_, i) { return i; }), s.values], box);
  }
  function draw() {
    var el = document.getElementById("chart-data");
    if (!el || typeof uPlot === "undefined") return;
    var data = JSON.parse(el.textContent || "{}");
    var charts = data.charts || [];
    charts.forEach(function (ch) {
      var box = document.getElementById(ch.target);
      if (!box) return;
      box.textContent = "";
      var width = Math.max(260, box.clientWidth || 600);
      if (ch.labels) { bars(ch, box, width); return; }
      var series = [{}].concat(ch.series.map(function (s) {
        return { label: s.label, stroke: s.color, fill: s.fill || undefined, width: 2, scale: s.scale || "y", value: function (u, v) { return v == null ? "–" : v.toLocaleString(); } };
      }));
      var axes = [{ space: 60 }].concat(ch.axes.map(function (a, i) {
        return { scale: a.scale, side: i === 0 ? 3 : 1, size: 56, incrs: INT_INCRS, values: axisValues, grid: { show: i === 0 }, label: a.label, labelSize: 18 };
      }));
      var scales = { x: { time: true } };
      ch.axes.forEach(function (a) { scales[a.scale] = { range: function (u, min, max) { return [0, Math.max(1, max)]; } }; });
      new uPlot({ width: width, height: 220, series: series, axes: axes, scales: scales, legend: { live: false } }, [ch.x].concat(ch.series.map(function (s) { return s.values; })), box);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
