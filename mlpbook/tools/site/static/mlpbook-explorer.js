// Kernel-free explorers: each .mlpbook-explorer holds range inputs, one <img> and a JSON table
// of precomputed frames keyed by the sliders' positions ("2,0,1"). Moving a slider shows the
// frame of the new combination: its image, its alt text, and each slider's readout.
"use strict";
(function () {
  function setUp(explorer) {
    var table = explorer.querySelector("script.mlpbook-explorer-frames");
    var img = explorer.querySelector("img");
    var inputs = Array.prototype.slice.call(explorer.querySelectorAll("input[type=range]"));
    if (!table || !img || inputs.length === 0) { return; }
    var frames = JSON.parse(table.textContent).frames;
    function show() {
      var key = inputs.map(function (input) { return input.value; }).join(",");
      var frame = frames[key];
      if (!frame) { return; }
      img.src = frame.src;
      img.alt = frame.alt;
      img.width = frame.width;  // frames cut tight to their figure differ a little in size
      img.removeAttribute("height");
      inputs.forEach(function (input, i) {
        var out = explorer.querySelector('output[for="' + input.id + '"]');
        if (out) { out.textContent = frame.out[i]; }
        input.setAttribute("aria-valuetext", frame.out[i]);
        input.disabled = frame.off[i];  // e.g. the parameter of an activation that has none
      });
    }
    inputs.forEach(function (input) { input.addEventListener("input", show); });
    show();
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".mlpbook-explorer"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
