// MathJax 3 for exported notebook pages, with no network: the TeX delimiters Jupyter
// uses ($…$, $$…$$, \(…\), \[…\]) and SVG output, whose glyphs are inside
// tex-svg-full.js, loaded from beside this file. `window.mlgraphMathReady` resolves
// once the page is typeset (tests and screenshots wait for it). The widget renderer
// still speaks MathJax 2 (`MathJax.Hub.Queue(["Typeset", MathJax.Hub, el])`): a
// small `Hub` answers it with MathJax 3's typesetPromise.
(function () {
  var here = document.currentScript.src;
  var done;
  var ready = false;
  var pending = [];
  window.mlgraphMathReady = new Promise(function (resolve) { done = resolve; });
  function flush() {
    if (!ready || !pending.length) return;
    var elements = pending.splice(0);
    window.MathJax.typesetPromise(elements).catch(function (err) {
      console.error("MathJax:", err);
    });
  }
  var hub = {
    Config: function () {},
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (Array.isArray(job) && job[0] === "Typeset") pending.push(job[2] || document.body);
      }
      flush();
    },
  };
  window.MathJax = {
    tex: {
      inlineMath: [["$", "$"], ["\\(", "\\)"]],
      displayMath: [["$$", "$$"], ["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true,
      tags: "ams",
      // NOTE: no \href, \class, \style: text from a notebook stays text
      packages: { "[-]": ["html"] },
    },
    svg: { fontCache: "global" },
    options: { enableMenu: true },
    Hub: hub,
    startup: {
      ready: function () {
        window.MathJax.startup.defaultReady();
        window.MathJax.Hub = hub;
      },
      pageReady: function () {
        return window.MathJax.startup.defaultPageReady().then(
          function () { ready = true; flush(); done(); },
          function (err) { ready = true; done(); throw err; });
      },
    },
  };
  var script = document.createElement("script");
  script.src = new URL("tex-svg-full.js", here).href;
  script.async = true;
  document.head.appendChild(script);
})();
