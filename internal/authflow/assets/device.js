// Polls the flow's state and moves on to the outcome page when it ends.
(function () {
  var box = document.querySelector("[data-state]");
  if (!box) return;
  var url = box.getAttribute("data-state");
  function tick() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (s && s.status !== "pending") { window.location.replace(s.done); return; }
        setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 1000);
})();
