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

  function rtSpec(data, labels, width) {
    var x = { field: "day", type: "temporal", title: labels.day };
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: width, height: 200, data: { values: data.rt },
      layer: [
        { mark: { type: "area", opacity: 0.3, color: "#64b5f6" },
          encoding: { x: x, y: { field: "lower", type: "quantitative", title: labels.rt },
                      y2: { field: "upper" } } },
        { mark: { type: "line", point: true },
          encoding: { x: x, y: { field: "mean", type: "quantitative" },
                      color: { condition: { test: "datum.reliable", value: "#0d47a1" },
                               value: "#9e9e9e" },
                      tooltip: [{ field: "day", type: "temporal" }, { field: "mean" },
                                { field: "lower" }, { field: "upper" }] } },
        { data: { values: [{ one: 1 }] }, mark: { type: "rule", strokeDash: [4, 3] },
          encoding: { y: { field: "one", type: "quantitative" } } },
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
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
