// ConsentGate banner: enhances the banner and preferences link, which work
// without JavaScript too. It builds nodes, never parses markup or strings as
// code, so it runs under a strict Content-Security-Policy.
(function () {
  "use strict";
  var d = document, me = d.currentScript, prefix = (me && me.getAttribute("data-prefix")) || "/consent";
  var nonce = me && me.nonce, opener = null, dialog = null;

  function el(tag, attrs, text) {
    var e = d.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function announce(msg) {
    var live = d.getElementById("consentgate-live");
    if (!live) { live = el("div", { id: "consentgate-live", "class": "cg-live", role: "status" }); d.body.appendChild(live); }
    live.textContent = msg;
  }
  function request(method, body) {
    return fetch(prefix, { method: method, body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  // Switch on the tags the server deferred, for the categories now granted.
  function activate(granted) {
    d.querySelectorAll("[data-consent-category]").forEach(function (e) {
      if (granted.indexOf(e.getAttribute("data-consent-category")) < 0) return;
      if (e.tagName === "SCRIPT") {
        var s = d.createElement("script");
        for (var i = 0; i < e.attributes.length; i++) {
          var a = e.attributes[i], n = a.name;
          if (n === "type" || n === "data-consent-category") continue;
          s.setAttribute(n.indexOf("data-consent-") === 0 ? n.slice(13) : n, a.value);
        }
        if (nonce) s.nonce = nonce;
        if (!e.hasAttribute("data-consent-src")) s.textContent = e.textContent;
        e.replaceWith(s);
        return;
      }
      ["src", "srcset", "data"].forEach(function (n) {
        var v = e.getAttribute("data-consent-" + n);
        if (v !== null) { e.setAttribute(n, v); e.removeAttribute("data-consent-" + n); }
      });
      e.removeAttribute("data-consent-category");
    });
  }

  function applied(state) {
    // The page's Content-Security-Policy refuses what was just granted:
    // only a new response brings the visitor's new policy.
    if (state.reload) { location.reload(); return; }
    var b = d.getElementById("consentgate-banner");
    // Focus must not be lost with the banner: it moves to the control that
    // reopens the choice.
    var hadFocus = b && b.contains(d.activeElement);
    if (b) b.remove();
    if (dialog && dialog.open) dialog.close();
    var s = d.getElementById("consentgate-settings");
    if (!s) {
      s = el("a", { id: "consentgate-settings", "class": "cg-settings", href: prefix + "/preferences", "data-consent-open": "" }, state.texts.settings);
      d.body.appendChild(s);
    }
    if (hadFocus) s.focus();
    activate(state.consent.granted || []);
    if (typeof window.gtag === "function" && state.consentMode) window.gtag("consent", "update", state.consentMode);
    announce(state.texts.saved);
  }

  function decide(form, action) {
    var body = new FormData(form);
    body.set("action", action);
    return request("POST", body).then(applied).catch(function () {
      // Fall back to the plain form post, which works without fetch.
      form.appendChild(el("input", { type: "hidden", name: "action", value: action }));
      form.submit();
    });
  }

  function openDialog(from) {
    opener = from;
    request("GET").then(function (state) {
      if (dialog) dialog.remove();
      var t = state.texts;
      dialog = el("dialog", { "class": "cg-dialog", "aria-labelledby": "cg-dialog-title", lang: t.lang });
      var form = el("form", { method: "post", action: prefix });
      form.appendChild(el("input", { type: "hidden", name: "return", value: location.pathname + location.search }));
      form.appendChild(el("h2", { id: "cg-dialog-title" }, t.title));
      state.categories.forEach(function (c) {
        var box = el("div", { "class": "cg-cat" }), label = el("label"), input = el("input", { type: "checkbox", name: "category", value: c.id });
        input.checked = c.required || (state.decided && c.granted);
        input.disabled = c.required;
        label.appendChild(input);
        label.appendChild(d.createTextNode(" " + c.name + (c.required ? " (" + t.always_on + ")" : "")));
        box.appendChild(label);
        if (c.description) box.appendChild(el("p", null, c.description));
        form.appendChild(box);
      });
      var actions = el("div", { "class": "cg-actions" });
      [["save", t.save], ["accept-all", t.accept_all], ["reject-all", t.reject_all]].forEach(function (b) {
        actions.appendChild(el("button", { type: "submit", name: "action", value: b[0], "class": "cg-btn" }, b[1]));
      });
      form.appendChild(actions);
      var close = el("button", { type: "button", "class": "cg-close", "aria-label": t.close }, "\u00d7");
      close.addEventListener("click", function () { dialog.close(); });
      dialog.appendChild(close);
      dialog.appendChild(form);
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        decide(form, ev.submitter ? ev.submitter.value : "save");
      });
      dialog.addEventListener("close", function () { if (opener && opener.isConnected) opener.focus(); });
      d.body.appendChild(dialog);
      dialog.showModal();
    }).catch(function () { location.href = from.getAttribute("href") || prefix + "/preferences"; });
  }

  d.addEventListener("click", function (ev) {
    var t = ev.target.closest && ev.target.closest("[data-consent-open]");
    if (!t || typeof HTMLDialogElement !== "function") return;
    ev.preventDefault();
    openDialog(t);
  });
  d.addEventListener("submit", function (ev) {
    var f = ev.target;
    // Without the clicked button the choice is unknown: let the form post.
    if (!f.closest || !f.closest("#consentgate-banner") || !window.fetch || !ev.submitter) return;
    ev.preventDefault();
    decide(f, ev.submitter.value);
  });
})();
