// "Back to the terminal": close the tab. A browser lets a script close only
// a tab a script opened; when the tab stays, say that it can be closed.
(function () {
  var back = document.getElementById("back");
  if (!back) return;
  back.addEventListener("click", function () {
    window.close();
    setTimeout(function () {
      if (window.closed) return;
      var note = document.getElementById("close-by-hand");
      if (note) note.hidden = false;
    }, 250);
  });
})();
