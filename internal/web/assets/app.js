// The dashboard and token pages: render from the boot data, then stay live
// on /ui/events (server-sent events). Only textContent is ever set from
// data, so nothing the daemon reports can inject markup.
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("boot").textContent);
  var T = boot.text;
  var tokens = {}; // file -> TokenDetail
  (boot.tokens || []).forEach(function (t) { tokens[t.file] = t; });
  var history = boot.history || [];

  function fmt(s) {
    var args = Array.prototype.slice.call(arguments, 1), i = 0;
    return s.replace(/%[sdv]/g, function () { return String(args[i++]); });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  // Local time, as the CLI prints it: 2006-01-02 15:04.
  function localTime(iso, seconds) {
    if (!iso) return "-";
    var d = new Date(iso);
    if (isNaN(d)) return "-";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()) +
      (seconds ? ":" + pad(d.getSeconds()) : "");
  }
  function remaining(iso) {
    if (!iso) return "-";
    var s = Math.floor((new Date(iso) - Date.now()) / 1000);
    if (s <= 0) return "-";
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return fmt(T["remain.daysHours"], d, h);
    if (h > 0) return fmt(T["remain.hoursMinutes"], h, m);
    if (m > 0) return fmt(T["remain.minutes"], m);
    return T["remain.underMinute"];
  }
  // The broker's last hand-out of this token (`token-daemon token`).
  function lastUse(t) {
    return t.usage && t.usage.lastAccessAt ? localTime(t.usage.lastAccessAt) : T["web.never"];
  }
  function statusLabel(st) { return boot.status[st] || st; }
  // The health score (DESIGN.md section 12): "92 healthy", coloured by grade.
  function healthEl(t) {
    var h = t.health || {};
    var e = el("span", "health grade-" + (h.grade || "none"), h.grade ? h.score + " " + (T["health.grade." + h.grade] || h.grade) : "-");
    if (h.factors && h.factors.length) e.title = h.factors.map(factorText).join("\n");
    return e;
  }
  function factorText(f) { return (T["health.factor." + f.factor] || f.factor) + ": " + f.detail + " (" + f.impact + ")"; }
  var selected = {}; // file -> true
  // Another tool's file (t.source) is logged in again with that tool (t.login);
  // a handed-off file (static) may be taken back by a login.
  function canReauth(t) { return t.provider !== "" && !t.source && (t.status !== "static" || t.reasonCode === "handed_off") && t.status !== "missing"; }

  var toastTimer;
  function toast(msg, bad) {
    var box = document.getElementById("toast");
    box.textContent = msg;
    box.className = "toast" + (bad ? " bad" : "");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": boot.csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 403) throw new Error(T["web.sessionExpired"]);
      return r.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { /* not JSON */ }
        if (!r.ok) throw new Error((data && data.error) || text || r.statusText);
        return data;
      });
    });
  }

  function refresh(body, button) {
    if (button) { button.disabled = true; button.dataset.label = button.textContent; button.textContent = statusLabel("refreshing"); }
    return post("/ui/api/refresh", body).then(function (data) {
      var failed = (data.results || []).filter(function (r) { return r.error; });
      if (failed.length) {
        toast(failed.map(function (r) { return fmt(T["web.refreshFailed"], r.file, r.error); }).join("\n"), true);
      } else {
        toast(fmt(T["web.refreshed"], (data.results || []).map(function (r) { return r.file; }).join(", ")));
      }
    }).catch(function (e) { toast(fmt(T["web.actionFailed"], e.message), true); })
      .then(function () { if (button) { button.disabled = false; button.textContent = button.dataset.label; } });
  }

  // The alias dialog.
  var dialog = document.getElementById("alias-dialog");
  var aliasFile = "";
  function openAlias(t) {
    aliasFile = t.file;
    document.getElementById("alias-label").textContent = fmt(T["web.aliasFor"], t.file);
    var input = document.getElementById("alias-input");
    input.value = t.alias || "";
    dialog.showModal();
    input.focus();
    input.select();
  }
  document.getElementById("alias-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("alias-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var alias = document.getElementById("alias-input").value;
    post("/ui/api/alias", { file: aliasFile, alias: alias }).then(function () {
      dialog.close();
      toast(T["web.aliasSaved"]);
    }).catch(function (e) { toast(fmt(T["web.actionFailed"], e.message), true); });
  });

  function actions(t, withDetails) {
    var box = el("div", "actions");
    var r = el("button", "btn small refresh", T["web.refreshNow"]);
    r.type = "button";
    r.disabled = !t.refreshable;
    r.addEventListener("click", function () { refresh({ file: t.file }, r); });
    box.appendChild(r);
    if (canReauth(t)) {
      var a = el("a", "btn small reauth", T["web.reauth"]);
      a.href = "/auth/" + encodeURIComponent(t.file);
      box.appendChild(a);
    }
    var s = el("button", "btn small alias", T["web.setAlias"]);
    s.type = "button";
    s.addEventListener("click", function () { openAlias(tokens[t.file] || t); });
    box.appendChild(s);
    if (withDetails) {
      var d = el("a", "btn small details", T["web.details"]);
      d.href = "/ui/token/" + encodeURIComponent(t.file);
      box.appendChild(d);
    }
    return box;
  }

  function statusCell(t) {
    var td = el("td", "status");
    td.appendChild(el("span", "st st-" + t.status, statusLabel(t.status)));
    if (t.reason) td.appendChild(el("div", "why", t.reason));
    if (t.watch) td.appendChild(el("div", "why watch", T["sources.watchMark"]));
    if (t.login && (t.status === "needs_reauth" || t.status === "missing")) {
      td.appendChild(el("div", "why login mono", fmt(T["sources.loginHint"], t.login)));
    }
    return td;
  }

  // ---- dashboard ----
  function row(t) {
    var tr = el("tr");
    tr.dataset.file = t.file;
    tr.dataset.status = t.status;
    tr.dataset.health = t.health ? t.health.score : "";
    var sel = el("td", "sel");
    var box = el("input", "pick");
    box.type = "checkbox";
    box.checked = !!selected[t.file];
    box.setAttribute("aria-label", t.file);
    box.addEventListener("change", function () { if (box.checked) selected[t.file] = true; else delete selected[t.file]; updateSelection(); });
    sel.appendChild(box);
    tr.appendChild(sel);
    tr.dataset.lastRefresh = t.lastRefreshAt || "";
    tr.dataset.expires = t.expiresAt || "";
    tr.dataset.lastUse = (t.usage && t.usage.lastAccessAt) || "";
    var name = el("td", "name");
    var link = el("a", "display", t.displayName);
    link.href = "/ui/token/" + encodeURIComponent(t.file);
    name.appendChild(link);
    name.appendChild(el("div", "file mono", t.file));
    tr.appendChild(name);
    tr.appendChild(el("td", "provider", t.provider || "-"));
    tr.appendChild(statusCell(t));
    tr.appendChild(el("td", "expires nowrap", localTime(t.expiresAt)));
    tr.appendChild(el("td", "remaining nowrap", remaining(t.expiresAt)));
    var hc = el("td", "health-cell nowrap");
    hc.appendChild(healthEl(t));
    tr.appendChild(hc);
    tr.appendChild(el("td", "last-refresh nowrap", t.lastRefreshAt ? localTime(t.lastRefreshAt) : T["web.never"]));
    tr.appendChild(el("td", "last-use nowrap", lastUse(t)));
    tr.appendChild(el("td", "last-error why", t.lastError || ""));
    var act = el("td", "act");
    act.appendChild(actions(t, false));
    tr.appendChild(act);
    return tr;
  }

  function renderDashboard() {
    var body = document.getElementById("rows");
    var files = Object.keys(tokens).sort();
    var seen = {};
    files.forEach(function (f, i) {
      seen[f] = true;
      var fresh = row(tokens[f]);
      var old = body.querySelector('tr[data-file="' + CSS.escape(f) + '"]');
      if (old) {
        body.replaceChild(fresh, old);
      } else {
        body.appendChild(fresh);
      }
    });
    Array.prototype.slice.call(body.children).forEach(function (tr) { if (!seen[tr.dataset.file]) body.removeChild(tr); });
    // Keep file order.
    files.forEach(function (f) {
      var tr = body.querySelector('tr[data-file="' + CSS.escape(f) + '"]');
      if (tr) body.appendChild(tr);
    });
    document.getElementById("empty").hidden = files.length > 0;
    Object.keys(selected).forEach(function (f) { if (!tokens[f]) delete selected[f]; });
    updateSelection();
    var dir = document.getElementById("authdir");
    dir.textContent = boot.daemon && boot.daemon.authDir ? T["web.authDir"] + ": " + boot.daemon.authDir : "";
  }

  // The selection: refresh it, or log it in again in one tab (the auth
  // server's queue page, POST /batch with the page's CSRF token).
  function updateSelection() {
    var files = Object.keys(selected).sort();
    var count = document.getElementById("selected-count");
    if (!count) return;
    count.textContent = fmt(T["web.selected"], files.length);
    document.getElementById("refresh-selected").disabled = !files.some(function (f) { return tokens[f] && tokens[f].refreshable; });
    document.getElementById("relogin-selected").disabled = !files.some(function (f) { return tokens[f] && canReauth(tokens[f]); });
    var all = document.getElementById("select-all");
    all.checked = files.length > 0 && files.length === Object.keys(tokens).length;
  }
  if (boot.page !== "token") {
    document.getElementById("select-all").addEventListener("change", function (ev) {
      selected = {};
      if (ev.target.checked) Object.keys(tokens).forEach(function (f) { selected[f] = true; });
      renderDashboard();
    });
    var rs = document.getElementById("refresh-selected");
    rs.addEventListener("click", function () {
      var files = Object.keys(selected).sort().filter(function (f) { return tokens[f] && tokens[f].refreshable; });
      if (files.length) refresh({ files: files }, rs);
    });
    document.getElementById("relogin-form").addEventListener("submit", function (ev) {
      var form = ev.target;
      Array.prototype.slice.call(form.querySelectorAll('input[name="file"]')).forEach(function (i) { form.removeChild(i); });
      var files = Object.keys(selected).sort().filter(function (f) { return tokens[f] && canReauth(tokens[f]); });
      if (!files.length) { ev.preventDefault(); return; }
      files.forEach(function (f) {
        var i = el("input");
        i.type = "hidden"; i.name = "file"; i.value = f;
        form.appendChild(i);
      });
    });
  }

  // ---- token details ----
  function fact(dl, label, value, cls) {
    dl.appendChild(el("dt", null, label));
    dl.appendChild(el("dd", cls || null, value === "" || value === null || value === undefined ? "-" : value));
  }
  function renderToken() {
    var t = tokens[boot.file];
    if (!t) return;
    document.getElementById("name").textContent = t.displayName;
    var st = document.getElementById("status");
    st.className = "status st st-" + t.status;
    st.textContent = statusLabel(t.status);
    var dl = document.getElementById("facts");
    dl.textContent = "";
    fact(dl, T["header.file"], t.file, "mono");
    fact(dl, T["web.provider"], t.provider);
    fact(dl, T["web.alias"], t.alias);
    fact(dl, T["web.email"], t.email);
    fact(dl, T["web.reason"], t.reason);
    fact(dl, T["header.expires"], localTime(t.expiresAt));
    fact(dl, T["header.remaining"], remaining(t.expiresAt));
    fact(dl, T["web.lastRefresh"], t.lastRefreshAt ? localTime(t.lastRefreshAt) : T["web.never"]);
    fact(dl, T["web.nextRefresh"], localTime(t.nextRefreshAt));
    fact(dl, T["web.lastUse"], lastUse(t));
    fact(dl, T["web.usage"], t.usage ? t.usage.last24h + " / " + t.usage.last7d : "0 / 0");
    fact(dl, T["web.opens"], t.usage ? (t.usage.opens24h || 0) + " / " + (t.usage.opens7d || 0) : "0 / 0");
    fact(dl, T["web.lastError"], t.lastError);
    fact(dl, T["web.failures"], String(t.failures || 0));
    fact(dl, T["web.path"], t.path, "mono");
    var hb = document.getElementById("health");
    hb.textContent = "";
    hb.appendChild(document.createTextNode(T["header.health"] + ": "));
    hb.appendChild(healthEl(t));
    var ul = document.getElementById("factors");
    ul.textContent = "";
    var fs = (t.health && t.health.factors) || [];
    fs.forEach(function (f) {
      var li = el("li", "factor");
      li.dataset.factor = f.factor;
      li.appendChild(el("span", "impact", String(f.impact)));
      li.appendChild(document.createTextNode(" " + (T["health.factor." + f.factor] || f.factor) + ": "));
      li.appendChild(el("span", "mono", f.detail));
      ul.appendChild(li);
    });
    if (!fs.length) ul.appendChild(el("li", "muted", T["web.healthNoFactors"]));
    var box = document.getElementById("actions");
    box.textContent = "";
    box.appendChild(actions(t, false));
    document.title = t.displayName + " · RouteCodex";

    var body = document.getElementById("history-rows");
    body.textContent = "";
    history.slice().reverse().forEach(function (a) {
      var tr = el("tr");
      tr.appendChild(el("td", "nowrap", localTime(a.at, true)));
      tr.appendChild(el("td", null, a.manual ? T["web.manual"] : T["web.automatic"]));
      var o = el("td");
      o.appendChild(el("span", "st st-" + a.status, statusLabel(a.status)));
      tr.appendChild(o);
      tr.appendChild(el("td", "why", a.error || ""));
      body.appendChild(tr);
    });
    document.getElementById("history-empty").hidden = history.length > 0;
  }
  function reloadHistory() {
    fetch("/ui/api/history?file=" + encodeURIComponent(boot.file), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (h) { if (h) { history = h.attempts || []; renderToken(); } })
      .catch(function () { /* the next event tries again */ });
  }

  var render = boot.page === "token" ? renderToken : renderDashboard;
  render();
  // Remaining times move on without events.
  setInterval(render, 30000);

  var refreshAll = document.getElementById("refresh-all");
  if (refreshAll) refreshAll.addEventListener("click", function () { refresh({ all: true }, refreshAll); });

  // ---- live updates ----
  var live = document.getElementById("live");
  function setLive(ok) {
    live.className = "live " + (ok ? "on" : "off");
    live.textContent = ok ? "● " + T["web.live"] : "○ " + T["web.reconnecting"];
  }
  setLive(false);
  var es = new EventSource("/ui/events");
  es.addEventListener("snapshot", function (ev) {
    var st = JSON.parse(ev.data);
    boot.daemon = st.daemon;
    tokens = {};
    (st.tokens || []).forEach(function (t) { tokens[t.file] = t; });
    setLive(true);
    render();
    if (boot.page === "token") reloadHistory();
  });
  es.addEventListener("token", function (ev) {
    var e = JSON.parse(ev.data);
    tokens[e.token.file] = e.token;
    if (boot.page === "token") {
      if (e.token.file === boot.file) { renderToken(); reloadHistory(); }
    } else {
      render();
    }
  });
  es.addEventListener("removed", function (ev) {
    var e = JSON.parse(ev.data);
    delete tokens[e.token.file];
    render();
  });
  es.addEventListener("offline", function () { setLive(false); });
  es.onerror = function () { setLive(false); };
})();
