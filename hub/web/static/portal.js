// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (el && window.L) {
    fetch(el.dataset.pins, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.pins.length) { return; }
        el.textContent = "";
        var map = window.L.map(el, { worldCopyJump: true });
        if (el.dataset.tiles) {
          window.L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
        }
        var bounds = [];
        data.pins.forEach(function (p) {
          var marker = window.L.circleMarker([p.lat, p.lon], { radius: 6 }).addTo(map);
          var link = document.createElement("a");
          link.href = p.url; link.textContent = p.name || p.iri;
          marker.bindPopup(link);
          bounds.push([p.lat, p.lon]);
        });
        map.fitBounds(bounds, { maxZoom: 8, padding: [20, 20] });
        el.dataset.ready = String(data.pins.length);
      });
  }
  // Live per-field validation of the connector form: the API's own validate route answers.
  var form = document.getElementById("connector-form");
  if (form && form.dataset.validate) {
    var timer = null;
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var body = new URLSearchParams(new FormData(form));
        body.set("validate_only", "1");
        fetch(form.dataset.validate, { method: "POST", body: body, headers: { Accept: "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (report) {
            form.querySelectorAll(".field-error[data-live]").forEach(function (n) { n.textContent = ""; });
            (report.fields || []).forEach(function (f) {
              var n = document.getElementById("err-" + f.field.split(".")[0]);
              if (n) { n.textContent = f.message; n.dataset.live = "1"; }
            });
          });
      }, 300);
    });
  }
})();
