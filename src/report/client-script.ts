// The page's own script (plain ES5-style JavaScript, run by the browser after the inlined uPlot):
// draws every chart of the embedded data and marks the exploit events on the reward charts.
// Kept as text because the project compiles for Node (no DOM types); the browser test runs it.
// `window.reportCharts` lists the drawn charts so tests (and a curious person) can find them.
export const CLIENT_SCRIPT = String.raw`(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var HEIGHT = 260;
  var charts = [];
  window.reportCharts = charts;

  function fmtStep(v) {
    if (v == null) return "–";
    var a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + "M";
    if (a >= 1e3) return +(v / 1e3).toPrecision(3) + "k";
    return String(+v.toPrecision(3));
  }
  function fmtValue(v) {
    if (v == null) return "–";
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2).replace(/\.?0+e/, "e");
    return String(+v.toPrecision(4));
  }

  // Exploits: a dashed guide at the step and a down-pointing triangle on the member's curve,
  // in the member's colour; a failed exploit: a cross.
  function markerPlugin(markers) {
    return {
      hooks: {
        draw: function (u) {
          var ctx = u.ctx;
          var dpr = window.devicePixelRatio || 1;
          var top = u.bbox.top;
          var bottom = u.bbox.top + u.bbox.height;
          ctx.save();
          markers.forEach(function (m) {
            var cx = u.valToPos(m.step, "x", true);
            var cy = m.value == null ? bottom : u.valToPos(m.value, "y", true);
            if (!isFinite(cx) || !isFinite(cy)) return;
            ctx.strokeStyle = m.color;
            ctx.lineWidth = dpr;
            ctx.setLineDash([3 * dpr, 3 * dpr]);
            ctx.beginPath();
            ctx.moveTo(cx, top);
            ctx.lineTo(cx, bottom);
            ctx.stroke();
            ctx.setLineDash([]);
            var r = 6 * dpr;
            ctx.beginPath();
            if (m.kind === "failed") {
              ctx.strokeStyle = "#c00";
              ctx.lineWidth = 2 * dpr;
              ctx.moveTo(cx - r, cy - r); ctx.lineTo(cx + r, cy + r);
              ctx.moveTo(cx - r, cy + r); ctx.lineTo(cx + r, cy - r);
              ctx.stroke();
            } else {
              ctx.fillStyle = m.color;
              ctx.strokeStyle = "#222";
              ctx.lineWidth = dpr;
              ctx.moveTo(cx - r, cy - 1.6 * r); ctx.lineTo(cx + r, cy - 1.6 * r); ctx.lineTo(cx, cy);
              ctx.closePath();
              ctx.fill();
              ctx.stroke();
            }
          });
          ctx.restore();
        }
      }
    };
  }

  function options(spec, width) {
    var series = [{ label: "step", value: function (u, v) { return fmtStep(v); } }];
    spec.series.forEach(function (s) {
      series.push({
        label: s.label,
        stroke: s.color,
        width: s.dashed ? 1 : 2,
        dash: s.dashed ? [5, 4] : undefined,
        spanGaps: true,
        paths: s.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
        points: s.stepped || s.dashed ? { show: false } : {},
        value: function (u, v) { return fmtValue(v); }
      });
    });
    return {
      width: width,
      height: HEIGHT,
      scales: {
        x: spec.xRange ? { time: false, range: function () { return spec.xRange; } } : { time: false },
        y: spec.logY ? { distr: 3 } : {}
      },
      axes: [
        { label: "agent steps", values: function (u, vals) { return vals.map(fmtStep); } },
        { size: 64, values: function (u, vals) { return vals.map(fmtValue); } }
      ],
      series: series,
      plugins: spec.markers.length ? [markerPlugin(spec.markers)] : []
    };
  }

  data.charts.forEach(function (spec) {
    var el = document.getElementById("chart-" + spec.id);
    var values = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var plot = new uPlot(options(spec, el.clientWidth), values, el);
    charts.push({ id: spec.id, title: spec.title, element: el, plot: plot });
  });

  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      charts.forEach(function (c) { c.plot.setSize({ width: c.element.clientWidth, height: HEIGHT }); });
    });
  });
})();
`;
