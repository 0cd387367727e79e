// The chains page: fetch the graph (record numbers only, no names) and draw it with the
// vendored cytoscape.js. Texts come from data-* attributes so that they are translated.
//
// Each chain is drawn as a tree in its own block (its first case on top, one row per
// generation), and the blocks are packed in rows to the shape of the box, largest chain first,
// so that a region's hundreds of cases fill the box instead of one long strip. Zoomed out, the
// case numbers are hidden (they would be an unreadable smear); pointing at a case, or tapping
// it once on a touch screen (which also zooms onto its chain), shows its number and those of
// its neighbours. A block's title
// stays readable at any zoom; tapping a block zooms onto that chain.
(function () {
  "use strict";
  var box = document.getElementById("chain-graph");
  if (!box || typeof cytoscape === "undefined") { return; }

  var colours = { confirmed: "#b3261e", asymptomatic: "#d07a00", suspected: "#5b6675",
                  discarded: "#b8c1cc" };
  var STEP_X = 40, STEP_Y = 64;  // between cases side by side, between generations
  var LABEL_PX = 11, TITLE_PX = 13;  // on screen
  var MIN_LABEL_PX = 8;  // case numbers smaller than this on screen are not drawn

  function style() {
    return [
      { selector: "node", style: {
        "label": "data(label)", "font-size": LABEL_PX, "color": "#1d2430", "text-valign": "bottom",
        "text-margin-y": 2, "width": 22, "height": 22,
        "text-background-color": "#f4f6f9", "text-background-opacity": 0.85,
        "text-background-padding": 1,
        "background-color": function (n) { return colours[n.data("classification")] || "#0b5cad"; }
      } },
      { selector: "node[?no_source]", style: { "border-width": 3, "border-color": "#12263f",
        "border-style": "double", "shape": "diamond" } },
      { selector: "node[?source_outside]", style: { "border-width": 2, "border-style": "dotted",
        "border-color": "#12263f" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#0b5cad" } },
      { selector: "node.quiet", style: { "label": "" } },
      { selector: "node.shown", style: { "label": "data(label)", "z-index": 20,
        "text-background-color": "#ffffff", "text-background-opacity": 1,
        "text-background-padding": 2, "font-weight": "bold" } },
      { selector: "node.block", style: {
        "label": "data(title)", "shape": "round-rectangle", "background-color": "#f4f6f9",
        "background-opacity": 1, "border-width": 1, "border-color": "#d5dbe3",
        "border-style": "solid", "padding": 14, "text-valign": "top", "text-halign": "center",
        "text-margin-y": -4, "color": "#3b4656", "font-size": TITLE_PX, "events": "yes" } },
      { selector: "node.block.focus", style: { "border-color": "#0b5cad", "border-width": 2 } },
      { selector: "edge", style: { "width": 1.5, "line-color": "#8a96a6", "curve-style": "straight",
        "target-arrow-shape": "triangle", "target-arrow-color": "#8a96a6", "arrow-scale": 0.9 } },
      { selector: "edge.shown", style: { "line-color": "#0b5cad", "target-arrow-color": "#0b5cad",
        "width": 2.5, "z-index": 19 } }
    ];
  }

  // A tree per chain: leaves side by side, a case centred over the cases it infected. A case has
  // one source, so a chain is a tree, except where the links go round in a circle: a case of the
  // circle then starts the tree, and the link back is drawn all the same.
  function treeLayout(ids, sourceOf) {
    var children = {}, inChain = {};
    ids.forEach(function (id) { inChain[id] = true; children[id] = []; });
    ids.forEach(function (id) {
      var src = sourceOf[id];
      if (src && inChain[src]) { children[src].push(id); }
    });
    var byNumber = function (a, b) { return Number(a.slice(1)) - Number(b.slice(1)); };
    ids.forEach(function (id) { children[id].sort(byNumber); });
    var position = {}, placed = {}, nextLeaf = 0, depth = 0;
    function place(root) {  // iterative post-order walk: a giant chain may be deep
      var stack = [[root, 0, 0]];
      placed[root] = true;
      while (stack.length) {
        var top = stack[stack.length - 1], id = top[0], kids = children[id];
        while (top[1] < kids.length && placed[kids[top[1]]]) { top[1] += 1; }
        if (top[1] < kids.length) {
          var kid = kids[top[1]];
          placed[kid] = true;
          top[1] += 1;
          stack.push([kid, 0, top[2] + 1]);
          continue;
        }
        stack.pop();
        var mine = kids.filter(function (k) { return position[k] && position[k].parent === id; });
        var x = mine.length ? (position[mine[0]].x + position[mine[mine.length - 1]].x) / 2
                            : (nextLeaf++) * STEP_X;
        position[id] = { x: x, y: top[2] * STEP_Y, parent: stack.length ? stack[stack.length - 1][0] : null };
        depth = Math.max(depth, top[2]);
      }
    }
    var roots = ids.filter(function (id) { return !(sourceOf[id] && inChain[sourceOf[id]]); });
    roots.sort(byNumber).forEach(place);
    ids.slice().sort(byNumber).forEach(function (id) { if (!placed[id]) { place(id); } });
    return { position: position, width: Math.max(nextLeaf - 1, 0) * STEP_X,
             height: depth * STEP_Y };
  }

  // Blocks in rows (largest chain first), the rows as wide as lets the whole be drawn largest in
  // the box. A block's title is drawn at a fixed size on screen, so the room it takes depends
  // on the zoom: estimate the zoom, make room, and again.
  var PAD_X = 70, PAD_Y = 80;  // a tree's outer nodes, their labels, the block's padding, a gap
  function textWidth(text) {  // a Chinese character is about twice as wide as a Latin one
    var width = 0;
    for (var i = 0; i < text.length; i++) { width += text.charCodeAt(i) > 0x2e7f ? 1 : 0.6; }
    return width * TITLE_PX;
  }
  function shelves(blocks, rowWidth) {
    var x = 0, y = 0, rowHeight = 0, width = 0;
    blocks.forEach(function (b) {
      if (x > 0 && x + b.slotWidth > rowWidth) { x = 0; y += rowHeight; rowHeight = 0; }
      b.left = x;
      b.top = y;
      x += b.slotWidth;
      width = Math.max(width, x);
      rowHeight = Math.max(rowHeight, b.slotHeight);
    });
    return { width: width, height: y + rowHeight };
  }
  function pack(blocks, boxWidth, boxHeight) {
    var zoom = 1, best = null;
    for (var round = 0; round < 3; round++) {
      var titleHeight = 2 * TITLE_PX / zoom, total = 0, widest = 0;
      blocks.forEach(function (b) {
        b.slotWidth = Math.max(b.width + PAD_X, (textWidth(b.title) + 24) / zoom);
        b.slotHeight = b.height + PAD_Y + titleHeight;
        b.titleHeight = titleHeight;
        total += b.slotWidth;
        widest = Math.max(widest, b.slotWidth);
      });
      best = null;
      for (var step = 0; step <= 40; step++) {  // row widths from the widest block to one row
        var rowWidth = widest * Math.pow(total / widest, step / 40);
        var size = shelves(blocks, rowWidth);
        var fits = Math.min(boxWidth / size.width, boxHeight / size.height);
        if (!best || fits > best.fits) { best = { fits: fits, rowWidth: rowWidth }; }
      }
      zoom = Math.min(best.fits, 1.2);
    }
    shelves(blocks, best.rowWidth);
    blocks.forEach(function (b) {  // the tree in the middle of its slot, under the title
      b.left += (b.slotWidth - b.width) / 2;
      b.top += b.titleHeight + PAD_Y / 2;
    });
  }

  function elementsOf(data) {
    var nodes = [], edges = [], sourceOf = {}, chains = {}, order = [];
    data.elements.forEach(function (el) {
      if (el.data.source) { edges.push(el); sourceOf[el.data.target] = el.data.source; return; }
      var chain = el.data.chain || 0;
      if (!chains[chain]) { chains[chain] = []; order.push(chain); }
      chains[chain].push(el.data.id);
      nodes.push(el);
    });
    var blocks = order.map(function (chain) {
      var tree = treeLayout(chains[chain], sourceOf);
      return { chain: chain, ids: chains[chain], tree: tree, width: tree.width,
               height: tree.height, title: box.dataset.chainTitle.replace("%(n)s", chain)
                 .replace("%(cases)s", chains[chain].length) };
    });
    pack(blocks, Math.max(box.clientWidth - 48, 1), Math.max(box.clientHeight - 48, 1));
    var where = {}, parents = [];
    blocks.forEach(function (b) {
      parents.push({ group: "nodes", classes: "block",
                     data: { id: "chain-" + b.chain, chain: b.chain, title: b.title } });
      b.ids.forEach(function (id) {
        var p = b.tree.position[id];
        where[id] = { x: b.left + p.x, y: b.top + p.y, parent: "chain-" + b.chain };
      });
    });
    nodes.forEach(function (el) {
      el.group = "nodes";
      el.data.parent = where[el.data.id].parent;
      el.position = { x: where[el.data.id].x, y: where[el.data.id].y };
    });
    edges.forEach(function (el) { el.group = "edges"; });
    return parents.concat(nodes, edges);
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
    var cy = cytoscape({ container: box, elements: elementsOf(data), style: style(),
                         layout: { name: "preset", fit: false }, maxZoom: 2.5, minZoom: 0.02,
                         wheelSensitivity: 0.4 });
    var cases = cy.nodes(":childless");

    var quiet = false;
    function keepTitlesReadable() {  // a block's title, and a case pointed at, keep their size
      var zoom = cy.zoom();
      cy.batch(function () {
        if (quiet !== labelsHidden()) {  // case numbers too small to read are not drawn
          quiet = labelsHidden();
          if (quiet) { cases.addClass("quiet"); } else { cases.removeClass("quiet"); }
        }
        cy.nodes(".block").style("font-size", TITLE_PX / zoom);
        cy.nodes(".shown").style("font-size", Math.max(LABEL_PX, LABEL_PX / zoom));
      });
    }
    function fitAll() {
      cy.minZoom(0.02);
      for (var round = 0; round < 2; round++) {  // the titles' size depends on the zoom
        cy.fit(cy.elements(), 16);
        if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(); }  // a small chain stays readable
        keepTitlesReadable();
      }
      cy.minZoom(Math.min(cy.zoom() * 0.7, 0.5));
    }
    function showAround(node) {
      var around = node.closedNeighborhood();
      around.nodes(":childless").addClass("shown");
      around.edges().addClass("shown");
      keepTitlesReadable();  // and so the numbers shown readable at any zoom
    }
    function hideAll() {
      var lit = cy.elements(".shown");
      lit.removeClass("shown");
      lit.nodes().removeStyle("font-size");
    }
    function labelsHidden() { return LABEL_PX * cy.zoom() < MIN_LABEL_PX; }
    function focusChain(chain) {
      var block = cy.getElementById("chain-" + chain);
      if (!block.length) { return; }
      cy.nodes(".block").removeClass("focus");
      block.addClass("focus");
      cy.animate({ fit: { eles: block, padding: 30 } },
                 { duration: 300, complete: keepTitlesReadable });
    }
    function focusCase(id) {
      var node = cy.getElementById("c" + id);
      if (!node.length) { return false; }
      cy.$(":selected").unselect();
      node.select();
      hideAll();
      showAround(node);
      cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1.2) },
                 { duration: 300, complete: keepTitlesReadable });
      return true;
    }

    fitAll();
    cy.on("zoom", keepTitlesReadable);
    cy.on("mouseover", "node:childless", function (event) { hideAll(); showAround(event.target); });
    cy.on("mouseout", "node:childless", hideAll);
    cy.on("tap", "node:childless", function (event) {
      var node = event.target;
      // On a touch screen the first tap on an unlabelled case shows its number; the next opens it.
      if (labelsHidden() && !node.hasClass("shown")) {
        hideAll();
        showAround(node);
        focusChain(node.data("chain"));
        return;
      }
      window.location.href = box.dataset.caseUrl.replace("/0/", "/" + node.id().slice(1) + "/");
    });
    cy.on("tap", "node.block", function (event) {  // a tap on a case bubbles up here too
      if (event.target.isParent()) { focusChain(event.target.data("chain")); }
    });
    cy.on("tap", function (event) { if (event.target === cy) { hideAll(); } });

    var fit = document.getElementById("graph-fit");
    if (fit) {
      fit.hidden = false;
      fit.addEventListener("click", function () {
        cy.nodes(".block").removeClass("focus");
        hideAll();
        fitAll();
      });
    }
    function followHash() {
      var wanted = window.location.hash.match(/^#(case|chain)-(\d+)$/);
      if (!wanted) { return; }
      if (wanted[1] === "chain") { focusChain(Number(wanted[2])); } else { focusCase(wanted[2]); }
      box.scrollIntoView({ block: "center" });
    }
    followHash();
    window.addEventListener("hashchange", followHash);
    window.outbreakhqChains = cy;  // the browser tests read the graph from here
    box.dataset.ready = "1";
    box.dataset.cases = String(cases.length);
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
