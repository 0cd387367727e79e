// The command centre's charts: Vega-Lite specs compiled to Vega and drawn on a canvas, with
// vega-interpreter evaluating expressions (the CSP allows no eval). The data come from the
// page's JSON island (#command-data); the server-drawn SVG stays if anything fails.
(function () {
  "use strict";

  function draw(el, spec) {
    var vega = window.vega, vl = window.vegaLite, interp = window.vegaInterpreter;
    if (!vega || !vl || !interp) return;
    var compiled = vl.compile(spec).spec;
    var view = new vega.View(vega.parse(compiled, null, { ast: true }), {
      expr: interp.expressionInterpreter, renderer: "canvas", hover: true,
    });
    var holder = document.createElement("div");
    view.initialize(holder).runAsync().then(function () {
      el.replaceChildren(holder);
    }).catch(function (problem) { console.error(problem); });
  }

  function curveSpec(data, labels, width) {
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: width, height: 200, data: { values: data.curve },
      mark: { type: "bar" },
      encoding: {
        x: { field: "day", type: "temporal", timeUnit: "yearmonthdate", title: labels.day },
        y: { aggregate: "sum", field: "cases", type: "quantitative", title: labels.cases },
        color: { field: "route", type: "nominal", title: labels.route,
                 legend: { orient: "bottom", columns: 2 } },
        opacity: { condition: { test: "datum.incomplete", value: 0.35 }, value: 1 },
        tooltip: [{ field: "day", type: "temporal", title: labels.day },
                  { field: "route", title: labels.route },
                  { field: "cases", type: "quantitative", title: labels.cases },
                  { field: "incomplete", title: labels.incomplete }],
      },
    };
  }

  function onsetSpec(data, labels, width) {
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: width, height: 200,
      data: { values: data.onset.map(function (row) {
        return Object.assign({}, row, { found: labels[row.group] });
      }) },
      mark: { type: "bar" },
      encoding: {
        x: { field: "day", type: "temporal", timeUnit: "yearmonthdate", title: labels.day },
        y: { field: "cases", type: "quantitative", title: labels.onset },
        color: { field: "found", type: "nominal", title: labels.route,
                 scale: { domain: [labels.control, labels.community],
                          range: ["#2e7d32", "#c75000"] },
                 legend: { orient: "bottom" } },
        opacity: { condition: { test: "datum.incomplete", value: 0.35 }, value: 1 },
        tooltip: [{ field: "day", type: "temporal", title: labels.day },
                  { field: "found", title: labels.route },
                  { field: "cases", type: "quantitative", title: labels.cases }],
      },
    };
  }

  function rtSpec(data, labels, width) {
    var x = { field: "day", type: "temporal", title: labels.day };
    // The axis follows the reliable windows: the wide intervals of the first few cases
    // would flatten the rest (they are clipped, and drawn in grey).
    var reliable = data.rt.filter(function (r) { return r.reliable; });
    var uppers = (reliable.length ? reliable : data.rt).map(function (r) { return r.upper; });
    var top = Math.min(10, Math.max(2, Math.max.apply(null, uppers) * 1.1));
    var y = { type: "quantitative", scale: { domain: [0, top], clamp: true } };
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: width, height: 200, data: { values: data.rt },
      layer: [
        { mark: { type: "area", opacity: 0.3, color: "#64b5f6", clip: true },
          encoding: { x: x, y: Object.assign({ field: "lower", title: labels.rt }, y),
                      y2: { field: "upper" } } },
        { mark: { type: "line", point: true, clip: true },
          encoding: { x: x, y: Object.assign({ field: "mean" }, y),
                      color: { condition: { test: "datum.reliable", value: "#0d47a1" },
                               value: "#9e9e9e" },
                      tooltip: [{ field: "day", type: "temporal" }, { field: "mean" },
                                { field: "lower" }, { field: "upper" }] } },
        { data: { values: [{ one: 1 }] }, mark: { type: "rule", strokeDash: [4, 3] },
          encoding: { y: Object.assign({ field: "one" }, y) } },
      ],
    };
  }

  function start() {
    var island = document.getElementById("command-data");
    if (!island) return;
    var data = JSON.parse(island.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var width = Math.max(220, Math.min(el.clientWidth - 90, 900));
      var kind = el.getAttribute("data-chart");
      if (kind === "curve" && data.curve.length) draw(el, curveSpec(data, data.labels, width));
      if (kind === "rt" && data.rt.length) draw(el, rtSpec(data, data.labels, width));
      if (kind === "onset" && data.onset.length) draw(el, onsetSpec(data, data.labels, width));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
