// Roundhouse console: progressive enhancements only. Every page works
// without this script; it adds live updates (server-sent events), local
// times, copy buttons, an upload progress bar and the sign-in switch.
(function () {
  "use strict";

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) { return; }
      el.title = el.textContent;
      el.textContent = d.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
      });
    });
  }

  function liveFragments() {
    document.querySelectorAll("[data-live]").forEach(function (el) {
      var src = new EventSource(el.getAttribute("data-live"));
      src.addEventListener("html", function (ev) {
        el.innerHTML = ev.data;
        localTimes(el);
      });
      window.addEventListener("pagehide", function () { src.close(); });
    });
  }

  function logTail() {
    var log = document.querySelector("[data-log]");
    if (!log) { return; }
    var src = new EventSource(log.getAttribute("data-log"));
    var empty = document.getElementById("log-empty");
    src.addEventListener("line", function (ev) {
      var l = JSON.parse(ev.data);
      if (empty) { empty.remove(); empty = null; }
      var row = document.createElement("div");
      row.className = "log-line" + (l.severity ? " sev-" + l.severity.toLowerCase() : "");
      var t = document.createElement("time");
      t.setAttribute("datetime", l.timestamp);
      t.textContent = new Date(l.timestamp).toLocaleTimeString();
      var msg = document.createElement("span");
      msg.className = "msg";
      msg.textContent = l.logMessage;
      row.appendChild(t);
      row.appendChild(msg);
      var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
      log.appendChild(row);
      if (atBottom) { log.scrollTop = log.scrollHeight; }
    });
    src.addEventListener("end", function (ev) {
      var s = JSON.parse(ev.data);
      var badge = document.getElementById("execution-status");
      if (badge) { badge.textContent = s.status; badge.className = "badge " + s["class"]; }
      [["execution-started", s.started], ["execution-finished", s.finished]].forEach(function (f) {
        var dd = document.getElementById(f[0]);
        if (!dd || !f[1]) { return; }
        var t = document.createElement("time");
        t.setAttribute("datetime", f[1]);
        t.textContent = f[1];
        dd.replaceChildren(t);
        localTimes(dd);
      });
      if (empty) { empty.textContent = "This execution wrote no log lines."; }
      var stop = document.getElementById("stop-execution");
      if (stop) { stop.disabled = true; }
      src.close();
    });
    src.onerror = function () { src.close(); };
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var text = document.getElementById(btn.getAttribute("data-copy")).textContent;
        var done = function () {
          btn.textContent = "Copied";
          setTimeout(function () { btn.textContent = "Copy"; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done);
        } else {
          var r = document.createRange();
          r.selectNodeContents(document.getElementById(btn.getAttribute("data-copy")));
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(r);
          if (document.execCommand("copy")) { done(); }
        }
      });
    });
  }

  function uploadProgress() {
    document.querySelectorAll("form[data-upload]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var bar = form.querySelector("progress");
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        bar.hidden = false;
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
        });
        xhr.addEventListener("load", function () {
          if (xhr.status < 400) { window.location.assign(xhr.responseURL); return; }
          var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
          var main = page.querySelector("main");
          if (main) { document.querySelector("main").replaceWith(main); init(main); }
        });
        xhr.send(new FormData(form));
      });
    });
  }

  function signinSwitch() {
    var radios = document.querySelectorAll("input[name=method]");
    if (!radios.length) { return; }
    var apply = function () {
      var token = document.querySelector("input[name=method][value=token]").checked;
      document.querySelectorAll(".when-password").forEach(function (e) { e.hidden = token; });
      document.querySelectorAll(".when-token").forEach(function (e) { e.hidden = !token; });
    };
    radios.forEach(function (r) { r.addEventListener("change", apply); });
    apply();
  }

  // Forms marked data-confirm ask before a destructive change.
  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  }

  function init(root) {
    localTimes(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    liveFragments();
    logTail();
    copyButtons();
    uploadProgress();
    signinSwitch();
    confirmForms();
  });
})();
