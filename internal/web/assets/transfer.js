// Export (a download of the encrypted bundle) and import (an upload) on
// the dashboard. Results are shown with textContent only.
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("boot").textContent);
  var T = boot.text;
  function show(id, text, bad) {
    var box = document.getElementById(id);
    box.textContent = text;
    box.className = "result" + (bad ? " bad" : "");
    box.hidden = false;
  }
  function failure(r) {
    if (r.status === 403) return Promise.reject(new Error(T["web.sessionExpired"]));
    return r.text().then(function (text) {
      var msg = text;
      try { msg = JSON.parse(text).error || text; } catch (e) { /* not JSON */ }
      throw new Error(msg || r.statusText);
    });
  }
  function decodeNotes(b64) {
    if (!b64) return [];
    try {
      var bin = atob(b64), bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) { return []; }
  }

  var exportForm = document.getElementById("export-form");
  if (!exportForm) return;
  exportForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var pass = document.getElementById("export-pass").value;
    if (!pass) { show("export-result", T["web.transfer.needPassphrase"], true); return; }
    if (pass !== document.getElementById("export-pass2").value) { show("export-result", T["web.transfer.mismatch"], true); return; }
    var button = document.getElementById("export");
    button.disabled = true;
    fetch("/ui/api/export", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": boot.csrf },
      body: JSON.stringify({ all: true, passphrase: pass,
        handoff: document.getElementById("export-handoff").checked,
        includeSecrets: document.getElementById("export-secrets").checked })
    }).then(function (r) {
      if (!r.ok) return failure(r);
      var notes = decodeNotes(r.headers.get("X-Export-Notes"));
      var cd = r.headers.get("Content-Disposition") || "";
      var m = /filename="([^"]+)"/.exec(cd);
      return r.blob().then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = m ? m[1] : "routecodex-tokens.age";
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 60000);
        show("export-result", notes.join("\n"));
      });
    }).catch(function (e) { show("export-result", e.message, true); })
      .then(function () { button.disabled = false; });
  });

  document.getElementById("import-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = document.getElementById("import-file");
    if (!input.files.length) { show("import-result", T["web.transfer.needFile"], true); return; }
    var form = new FormData();
    form.append("bundle", input.files[0]);
    form.append("passphrase", document.getElementById("import-pass").value);
    form.append("onConflict", document.getElementById("import-conflict").value);
    form.append("dryRun", document.getElementById("import-dry").checked ? "true" : "false");
    var button = document.getElementById("import");
    button.disabled = true;
    fetch("/ui/api/import", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "X-CSRF-Token": boot.csrf }, body: form
    }).then(function (r) {
      if (!r.ok) return failure(r);
      return r.json().then(function (res) { show("import-result", res.lines.join("\n"), res.failed > 0); });
    }).catch(function (e) { show("import-result", e.message, true); })
      .then(function () { button.disabled = false; });
  });
})();
