// The collection page: scan a tube's barcode, then people's codes (a keyboard-wedge scanner
// types and presses Enter), seal. Each sealed tube goes into a queue kept in localStorage and
// is sent to the API (idempotent by barcode), again when the phone is back online.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("collect-form");
  if (!form) { return; }
  var KEY = "outbreakhq.screening.queue";
  var barcode = document.getElementById("barcode");
  var code = document.getElementById("person-code");
  var list = document.getElementById("scanned");
  var count = document.getElementById("tube-count");
  var members = document.getElementById("members");
  var statusLine = document.getElementById("queue-status");
  var sent = document.getElementById("sent");
  var capacity = parseInt(form.dataset.capacity, 10) || 1;
  var scanned = [];
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }

  function render() {
    list.textContent = "";
    scanned.forEach(function (value, i) {
      var li = document.createElement("li");
      var span = document.createElement("span");
      span.textContent = value;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn secondary";
      remove.textContent = form.dataset.msgRemove;
      remove.addEventListener("click", function () { scanned.splice(i, 1); render(); });
      li.appendChild(span);
      li.appendChild(remove);
      list.appendChild(li);
    });
    count.textContent = scanned.length + " / " + capacity;
    count.classList.toggle("full", scanned.length >= capacity);
    members.value = scanned.join("\n");
    var waiting = load().length;
    statusLine.textContent = waiting ? form.dataset.msgQueued + " " + waiting : "";
  }

  function note(text, refused) {
    var li = document.createElement("li");
    li.textContent = text;
    if (refused) { li.className = "refused"; }
    sent.insertBefore(li, sent.firstChild);
  }

  // An individual retest holds one person.
  form.elements.retest.addEventListener("change", function () {
    capacity = form.elements.retest.checked ? 1 : (parseInt(form.dataset.capacity, 10) || 1);
    render();
  });

  barcode.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); code.focus(); }
  });
  function addPerson(raw) {
    var value = (raw || "").trim().toUpperCase();
    if (!value) { return; }
    if (scanned.indexOf(value) >= 0) { note(form.dataset.msgTwice + " " + value, true); return; }
    if (scanned.length >= capacity) { note(form.dataset.msgFull, true); return; }
    scanned.push(value);
    render();
  }

  code.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    var value = code.value;
    code.value = "";
    addPerson(value);
  });

  // Camera scanning: the browser's own BarcodeDetector (Chrome on Android) or, where it is
  // missing (iPhones), the vendored ZXing library (loaded from this server, only then): the
  // first code read fills the tube's barcode, the next ones add people.
  var toggle = document.getElementById("camera-toggle");
  var video = document.getElementById("camera");
  var stream = null;
  var lastRead = "";
  var zxingDetector = function () {
    // A BarcodeDetector look-alike over ZXing: detect(image, video or canvas) -> [{rawValue}].
    var ZXing = window.ZXing;
    var hints = new Map();
    hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS, [
      ZXing.BarcodeFormat.QR_CODE, ZXing.BarcodeFormat.CODE_128, ZXing.BarcodeFormat.CODE_39,
      ZXing.BarcodeFormat.EAN_13, ZXing.BarcodeFormat.ITF, ZXing.BarcodeFormat.DATA_MATRIX]);
    hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
    var reader = new ZXing.MultiFormatReader();
    reader.setHints(hints);
    var canvas = document.createElement("canvas");
    return {detect: function (source) {
      return new Promise(function (resolve) {
        var width = source.videoWidth || source.naturalWidth || source.width;
        var height = source.videoHeight || source.naturalHeight || source.height;
        if (!width || !height) { resolve([]); return; }
        canvas.width = width;
        canvas.height = height;
        canvas.getContext("2d").drawImage(source, 0, 0, width, height);
        try {
          var bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(
            new ZXing.HTMLCanvasElementLuminanceSource(canvas)));
          resolve([{rawValue: reader.decode(bitmap).getText()}]);
        } catch (notFound) {
          resolve([]);
        } finally {
          reader.reset();
        }
      });
    }};
  };
  var startCamera = function (detector) {
    window.outbreakhqBarcodeDetector = detector;  // read by the browser test
    if (!navigator.mediaDevices) { return; }  // no camera (plain HTTP): typed and wedge codes
    document.documentElement.classList.add("has-barcode-detector");
    var stopCamera = function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      video.hidden = true;
      toggle.textContent = toggle.dataset.start;
    };
    var look = function () {
      if (!stream) { return; }
      detector.detect(video).then(function (found) {
        var value = found.length ? found[0].rawValue : "";
        if (value && value !== lastRead) {
          lastRead = value;
          if (!barcode.value.trim()) { barcode.value = value; } else { addPerson(value); }
        }
      }).catch(function () { return null; }).then(function () { setTimeout(look, 250); });
    };
    toggle.addEventListener("click", function () {
      if (stream) { stopCamera(); return; }
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}})
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.hidden = false;
          toggle.textContent = toggle.dataset.stop;
          return video.play();
        }).then(look).catch(stopCamera);
    });
  };
  if (toggle && "BarcodeDetector" in window) {
    startCamera(new window.BarcodeDetector());
  } else if (toggle && toggle.dataset.fallback) {
    var script = document.createElement("script");
    script.src = toggle.dataset.fallback;
    script.addEventListener("load", function () {
      if (window.ZXing) { startCamera(zxingDetector()); }
    });
    document.head.appendChild(script);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var tube = barcode.value.trim();
    if (!tube || !scanned.length) { (tube ? code : barcode).focus(); return; }
    var queue = load();
    queue.push({barcode: tube, members: scanned.slice(),
                site: parseInt(form.elements.site.value, 10),
                round: parseInt(form.elements.round.value, 10),
                retest: form.elements.retest.checked, sealed: Date.now()});
    save(queue);
    scanned = [];
    lastRead = "";
    barcode.value = "";
    form.elements.retest.checked = false;
    capacity = parseInt(form.dataset.capacity, 10) || 1;
    render();
    barcode.focus();
    flush();
  });

  // The queue goes out in batches (POST tubes/batch, issue 9): a site back online sends its
  // morning in a few requests, each tube answered on its own. A tube leaves the queue once it
  // is answered (created, sent before, or refused with its reasons); when the request itself
  // fails (offline, a server error, a lost session) every tube stays for the next try.
  var BATCH = 50;

  // A tube is dated by how long it waited here, counted by this phone, not by the phone's
  // clock (which may be set wrong): the server takes that much off the time it arrives.
  function asSent(tube) {
    var sent = Object.assign({}, tube);
    delete sent.sealed;
    if (tube.sealed) {
      sent.queued_seconds = Math.max(0, Math.round((Date.now() - tube.sealed) / 1000));
    }
    return sent;
  }

  function flush() {
    if (sending) { return; }
    var batch = load().slice(0, BATCH);
    if (!batch.length) { render(); return; }
    sending = true;
    fetch(form.dataset.apiBatch, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf},
      body: JSON.stringify({tubes: batch.map(asSent)})
    }).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (body) {
        sending = false;
        if (!answer.ok || !body.tubes) {
          if (answer.status < 500) {
            note(form.dataset.msgRefused + " " + (body.error || answer.status), true);
          }
          render();
          return;
        }
        var answered = {};
        body.tubes.forEach(function (t, i) {
          var tube = batch[i];
          answered[tube.barcode] = true;
          if (t.status === "refused") {
            var reasons = t.errors.map(function (e) { return e.message; });
            note(form.dataset.msgRefused + " " + tube.barcode + ": " + reasons.join("; "), true);
          } else {
            note(form.dataset.msgSealed + " " + tube.barcode + " (" + tube.members.length + ")");
          }
        });
        save(load().filter(function (t) { return !answered[t.barcode]; }));
        render();
        flush();
      });
    }).catch(function () { sending = false; render(); });
  }

  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  render();
  flush();
  barcode.focus();
})();
