// dondoc's dashboard (a Telegram Mini App): fetches each view as an HTML fragment and shows it.
// Every request carries Telegram's signed initData in the Authorization header; no cookies.
"use strict";
(function () {
  const main = document.getElementById("app");
  const api = main.dataset.api;
  const tg = (window.Telegram && window.Telegram.WebApp) || null;
  const SIGNED = "dondoc.console.initData"; // the console's sign-in only
  let searchTimer = null;

  function initData() {
    return (tg && tg.initData) || sessionStorage.getItem(SIGNED) || "";
  }

  // Telegram's script sets these variables too; doing it here keeps the theme when a test
  // stands in for that script, and follows theme changes.
  function applyTheme() {
    if (!tg) return;
    const params = tg.themeParams || {};
    for (const key of Object.keys(params)) {
      document.documentElement.style.setProperty(
        "--tg-theme-" + key.replace(/_/g, "-"), params[key]);
    }
    document.documentElement.dataset.scheme = tg.colorScheme || "light";
  }

  function route() {
    // Telegram opens the page with its own data in the hash (#tgWebAppData=...): that is home.
    const hash = location.hash.startsWith("#/") ? location.hash.slice(2) : "";
    if (hash) return hash;
    const ws = new URLSearchParams(location.search).get("ws");
    return ws ? "home?ws=" + encodeURIComponent(ws) : "home";
  }

  function show(html) {
    main.innerHTML = html; // fragments are rendered by autoescaping templates on the server
    main.dataset.route = route().split("?")[0];
    const back = tg && tg.BackButton;
    if (back) {
      if (location.hash.startsWith("#/") && !location.hash.startsWith("#/overview")) back.show();
      else back.hide();
    }
  }

  function template(id) {
    return document.getElementById(id).innerHTML;
  }

  // `into`: the element an answer goes in (a button's result); the whole view by default.
  async function request(path, options, into) {
    const data = initData();
    if (!data) {
      if (main.dataset.console) return consoleSignIn();
      show(template("outside"));
      return;
    }
    const headers = Object.assign({ Authorization: "tma " + data }, (options || {}).headers);
    let response;
    try {
      response = await fetch(api + path, Object.assign({}, options, { headers: headers }));
    } catch (error) {
      show(template("offline"));
      return;
    }
    if (response.status === 401 && sessionStorage.getItem(SIGNED)) {
      sessionStorage.removeItem(SIGNED); // the console's signature expired: sign in again
    }
    const html = await response.text();
    if (into) {
      into.innerHTML = html; // rendered by autoescaping templates, like every fragment
      return;
    }
    show(html);
    main.dataset.status = String(response.status);
  }

  function load() {
    return request(route());
  }

  async function consoleSignIn() {
    const response = await fetch(api + "console/cast");
    show(await response.text());
  }

  function go(routePath, replace) {
    const target = "#/" + routePath;
    if (replace) {
      history.replaceState(null, "", target);
      load();
    } else if (location.hash === target) {
      load();
    } else {
      location.hash = target;
    }
  }

  function filterRoute(form) {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form).entries()) {
      if (value) query.set(name, value);
    }
    return form.dataset.route + "?" + query.toString();
  }

  main.addEventListener("change", function (event) {
    const form = event.target.closest("form[data-route]");
    if (form && event.target.tagName === "SELECT") go(filterRoute(form), false);
  });

  main.addEventListener("input", function (event) {
    const form = event.target.closest("form[data-route]");
    if (!form || event.target.name !== "q") return;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      const field = event.target;
      const at = field.selectionStart;
      go(filterRoute(form), true);
      // The table is redrawn under the typist: give him his field back where he was.
      main.addEventListener("dondoc:shown", function refocus() {
        const again = main.querySelector("form[data-route] input[name=q]");
        if (again) { again.focus(); again.setSelectionRange(at, at); }
      }, { once: true });
    }, 350);
  });

  main.addEventListener("submit", async function (event) {
    const form = event.target;
    event.preventDefault();
    if (form.dataset.route) {
      clearTimeout(searchTimer);
      go(filterRoute(form), false);
      return;
    }
    if (!form.dataset.action) return;
    const body = {};
    for (const [name, value] of new FormData(form).entries()) body[name] = value;
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    const query = new URLSearchParams(route().split("?")[1] || "");
    const into = form.dataset.target ? document.getElementById(form.dataset.target) : null;
    await request(form.dataset.action + "?ws=" + encodeURIComponent(query.get("ws") || ""), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }, into);
    if (into) for (const button of form.querySelectorAll("button")) button.disabled = false;
  });

  main.addEventListener("click", async function (event) {
    const retry = event.target.closest("[data-retry]");
    if (retry) { load(); return; }
    const person = event.target.closest("[data-sign-in]");
    if (!person) return;
    const response = await fetch(api + "console/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: Number(person.dataset.signIn) }),
    });
    if (response.ok) {
      sessionStorage.setItem(SIGNED, (await response.json()).initData);
      load();
    }
  });

  const shown = new MutationObserver(function () {
    main.dispatchEvent(new Event("dondoc:shown"));
  });
  shown.observe(main, { childList: true });

  window.addEventListener("hashchange", load);
  if (tg) {
    applyTheme();
    if (tg.onEvent) tg.onEvent("themeChanged", applyTheme);
    if (tg.BackButton && tg.BackButton.onClick) tg.BackButton.onClick(function () { history.back(); });
    if (tg.ready) tg.ready();
    if (tg.expand) tg.expand();
  }
  load();
})();
