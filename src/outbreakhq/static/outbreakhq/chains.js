// The chains page: fetch the graph (record numbers only, no names) and draw it with the
// vendored cytoscape.js. Texts come from data-* attributes so that they are translated.
(function () {
  "use strict";
  var box = document.getElementById("chain-graph");
  if (!box || typeof cytoscape === "undefined") { return; }

  var colours = { confirmed: "#b3261e", asymptomatic: "#d07a00", suspected: "#5b6675",
                  discarded: "#b8c1cc" };

  function style() {
    return [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 11, "color": "#1d2430", "text-valign": "bottom",
        "text-margin-y": 3, "width": 22, "height": 22,
        "background-color": function (n) { return colours[n.data("classification")] || "#0b5cad"; }
      } },
      { selector: "node[?no_source]", style: { "border-width": 3, "border-color": "#12263f",
        "border-style": "double", "shape": "diamond" } },
      { selector: "node[?source_outside]", style: { "border-width": 2, "border-style": "dotted",
        "border-color": "#12263f" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#0b5cad" } },
      { selector: "edge", style: { "width": 1.5, "line-color": "#8a96a6", "curve-style": "bezier",
        "target-arrow-shape": "triangle", "target-arrow-color": "#8a96a6" } }
    ];
  }

  function draw(data) {
    var shown = document.getElementById("graph-shown");
    if (shown) {
      shown.textContent = box.dataset.shown
        .replace("%(chains)s", data.chains_shown).replace("%(total)s", data.chains_total)
        .replace("%(cases)s", data.cases_shown);
    }
    if (!data.elements.length) {
      box.classList.add("empty");
      box.textContent = box.dataset.empty;
      return;
    }
    var cy = cytoscape({ container: box, elements: data.elements, style: style(),
                         maxZoom: 2.5, minZoom: 0.05 });
    cy.layout({ name: "breadthfirst", directed: true, roots: cy.nodes().roots(),
                spacingFactor: 1.05, padding: 20 }).run();
    if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(); }  // a small chain stays readable
    cy.on("tap", "node", function (event) {
      window.location.href = box.dataset.caseUrl.replace("/0/", "/" + event.target.id().slice(1) + "/");
    });
    var wanted = window.location.hash.match(/^#case-(\d+)$/);
    if (wanted && cy.getElementById("c" + wanted[1]).length) {
      var node = cy.getElementById("c" + wanted[1]);
      node.select();
      cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 300 });
    }
    window.outbreakhqChains = cy;  // the browser tests read the graph from here
    box.dataset.ready = "1";
  }

  fetch(box.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      box.classList.add("empty");
      box.textContent = box.dataset.failed + " (" + error.message + ")";
    });
})();
