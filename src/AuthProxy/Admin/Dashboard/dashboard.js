// AuthProxy dashboard: polls /_authproxy/status every second and renders it. No library, nothing loaded from elsewhere.
// Everything from the document goes into the page as text (textContent), never as markup.
"use strict";

(() => {
  const STATUS_URL = "/_authproxy/status";
  const POLL_MS = 1000;

  // State words are the status document's own (CONTRACT §11); each has a tone (colour) and an icon (shape).
  const PROVIDER_STATES = {
    valid: { tone: "ok", icon: "check" },
    refreshing: { tone: "busy", icon: "cycle" },
    fetching: { tone: "busy", icon: "cycle" },
    empty: { tone: "idle", icon: "circle" },
    expired: { tone: "warn", icon: "clock" },
    backoff: { tone: "bad", icon: "cross" },
  };
  const EVENT_KINDS = {
    fetched: { word: "fetched", tone: "ok", icon: "down" },
    renewed: { word: "renewed", tone: "ok", icon: "cycle" },
    failed: { word: "failed", tone: "bad", icon: "cross" },
    dropped: { word: "dropped", tone: "warn", icon: "minus" },
    backoffStarted: { word: "backoff started", tone: "bad", icon: "pause" },
    backoffEnded: { word: "backoff ended", tone: "ok", icon: "play" },
  };
  const OUTCOMES = {
    accepted: { tone: "ok", icon: "check" },
    rejected: { tone: "bad", icon: "cross" },
  };
  const CACHE_STATES = {
    connected: { tone: "ok", icon: "check" },
    degraded: { tone: "warn", icon: "warning" },
  };
  const ICONS = {
    check: "M3 8.5l3.2 3.2L13 4.8",
    cross: "M4 4l8 8M12 4l-8 8",
    cycle: "M13 8a5 5 0 1 1-1.6-3.7M13 2.5v2.8h-2.8",
    circle: "M8 3a5 5 0 1 0 0.01 0z",
    clock: "M8 3a5 5 0 1 0 0.01 0zM8 5v3.2l2.2 1.4",
    down: "M8 2.5v9M4.5 8L8 11.5 11.5 8M3.5 13.5h9",
    minus: "M3.5 8h9",
    pause: "M5.5 3.5v9M10.5 3.5v9",
    play: "M5 3.5l7 4.5-7 4.5z",
    warning: "M8 2.5l6 10.5H2zM8 6.5v3M8 11.2v0.3",
  };
  const SVG_NS = "http://www.w3.org/2000/svg";

  let serverOffsetMs = 0;     // server clock minus this browser's clock
  let lastData = null;
  let lastSuccessAt = 0;
  let lastFailure = null;
  const rendered = {};        // section -> JSON of what it shows, so unchanged sections are not rebuilt (keeps text selectable)

  // ---- small DOM helpers ----------------------------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name] || ICONS.circle);
    path.setAttribute("fill", name === "play" ? "currentColor" : "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.8");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
    svg.append(path);
    return svg;
  }

  function badge(word, style, extraClass) {
    const s = style || { tone: "idle", icon: "circle" };
    return el("span", { class: `badge tone-${s.tone}${extraClass ? " " + extraClass : ""}` }, icon(s.icon), word);
  }

  function stateBadge(state) {
    return badge(state, PROVIDER_STATES[state], `state-${state}`);
  }

  // Text that may wrap after each separator (config key paths after ':', file paths after '/'), not inside a name.
  function breakable(tag, attributes, text, separator) {
    const node = el(tag, attributes);
    text.split(separator).forEach((part, i, parts) => {
      node.append(document.createTextNode(part + (i < parts.length - 1 ? separator : "")));
      if (i < parts.length - 1) node.append(document.createElement("wbr"));
    });
    return node;
  }

  const none = () => el("span", { class: "muted none" }, "—");

  // ---- time -----------------------------------------------------------------------------------------------------

  const serverNow = () => Date.now() + serverOffsetMs;

  const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const dateAndTime = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });

  function localText(ms) {
    const date = new Date(ms);
    const today = new Date(serverNow());
    return date.toDateString() === today.toDateString() ? timeOfDay.format(date) : dateAndTime.format(date);
  }

  function utcText(ms) {
    return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }

  // A <time> in the viewer's local time, with UTC on hover.
  function timeEl(iso) {
    if (!iso) return none();
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) return el("span", {}, iso);
    return el("time", { datetime: new Date(ms).toISOString(), title: utcText(ms) }, localText(ms));
  }

  function duration(ms) {
    const total = Math.max(0, Math.round(ms / 1000));
    const d = Math.floor(total / 86400);
    const h = Math.floor((total % 86400) / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const pad = (n) => String(n).padStart(2, "0");
    if (d > 0) return `${d}d ${pad(h)}h ${pad(m)}m`;
    if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
    if (m > 0) return `${m}m ${pad(s)}s`;
    return `${s}s`;
  }

  // A countdown to `iso`, refreshed every second by tick(): `prefix` and the time left, then `pastText` once it is reached.
  function countdown(iso, pastText, prefix) {
    if (!iso) return none();
    const ms = Date.parse(iso);
    const node = el("span", { class: "countdown", "data-until": ms, "data-past": pastText, "data-prefix": prefix || "", title: utcText(ms) });
    updateCountdown(node);
    return node;
  }

  function updateCountdown(node) {
    const left = Number(node.getAttribute("data-until")) - serverNow();
    node.textContent = left > 0 ? node.getAttribute("data-prefix") + duration(left) : node.getAttribute("data-past");
    node.classList.toggle("error-text", left <= 0);
  }

  // ---- tables ---------------------------------------------------------------------------------------------------

  // columns: [{ label, cell(row) -> node|string, header?: true, className? }]
  function table(caption, columns, rows, rowClass) {
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label)));
    const body = el("tbody", {}, rows.map((row) => el("tr", { "data-key": row.key, class: rowClass ? rowClass(row) : null },
      columns.map((c) => {
        const content = c.cell(row);
        const empty = content instanceof Element && content.classList.contains("none");
        return el(c.header ? "th" : "td", { scope: c.header ? "row" : null, class: [c.className, empty ? "is-empty" : null].filter(Boolean).join(" ") || null, "data-label": c.label },
          el("div", { class: "v" }, content));
      }))));
    return el("table", {}, el("caption", { class: "visually-hidden" }, caption), el("thead", {}, head), body);
  }

  function replace(containerId, key, value, build) {
    const json = JSON.stringify(value);
    if (rendered[key] === json) return;
    rendered[key] = json;
    const container = document.getElementById(containerId);
    container.replaceChildren(build());
  }

  const list = (items) => (items.length === 0 ? none() : el("ul", { class: "plain" }, items.map((i) => el("li", {}, i))));

  // ---- sections -------------------------------------------------------------------------------------------------

  function renderProviders(data) {
    const rows = Object.entries(data.providers || {}).map(([name, p]) => ({ key: name, name, ...p }));
    const anyMapping = rows.some((p) => (p.mappedClients || []).length > 0);
    replace("providers-table", "providers", rows, () => {
      if (rows.length === 0) return el("p", { class: "empty" }, "No token provider is configured.");
      const columns = [
        { label: "Provider", header: true, className: "nowrap", cell: (p) => el("span", { id: `provider-${p.name}` }, p.name) },
        { label: "Type", className: "nowrap", cell: (p) => el("code", {}, p.type || "") },
        { label: "State", cell: (p) => stateBadge(p.state) },
        { label: "Expires in", className: "nowrap", cell: (p) => (p.expiresAt ? countdown(p.expiresAt, "expired") : (p.lastRefresh ? el("span", { class: "muted" }, "never") : none())) },
        { label: "Last refresh", className: "nowrap", cell: (p) => timeEl(p.lastRefresh) },
        { label: "Fetches / failures", className: "num", cell: (p) => `${p.fetches} / ${p.failedFetches}` },
        { label: "Last error", cell: (p) => (p.lastError ? el("span", { class: "error-text" }, p.lastError) : none()) },
        { label: "Backoff until", cell: (p) => (p.retryAt ? el("span", {}, timeEl(p.retryAt), " (", countdown(p.retryAt, "due now", "in "), ")") : none()) },
      ];
      if (anyMapping) columns.push({ label: "Mapped clients", cell: (p) => list(p.mappedClients || []) });
      return table("Token providers", columns, rows, (p) => (p.lastError ? "attention" : null));
    });
  }

  function authorizationText(route, inbound) {
    const policy = route.authorizationPolicy;
    const hasClients = Object.keys(inbound.clients || {}).length > 0;
    if (!policy) return hasClients ? "any known client (fallback policy)" : "anyone (no inbound clients)";
    if (policy.toLowerCase() === "default") return "Default: any known client";
    if (policy.toLowerCase() === "anonymous") return "Anonymous: anyone";
    const members = Object.entries(inbound.policies || {}).find(([name]) => name.toLowerCase() === policy.toLowerCase());
    return members ? `${policy}: ${members[1].join(", ") || "no client"}` : policy;
  }

  function matchCell(match) {
    const parts = [];
    if (match.path) parts.push(el("code", {}, match.path));
    if ((match.hosts || []).length) parts.push(el("div", {}, "hosts: ", match.hosts.join(", ")));
    if ((match.methods || []).length) parts.push(el("div", {}, "methods: ", match.methods.join(", ")));
    if ((match.headers || []).length) parts.push(el("div", {}, "headers: ", match.headers.join(", ")));
    if ((match.queryParameters || []).length) parts.push(el("div", {}, "query: ", match.queryParameters.join(", ")));
    return parts.length ? parts : none();
  }

  function renderRoutes(data) {
    const providers = data.providers || {};
    const inbound = data.inbound || {};
    const rows = Object.entries(data.routes || {}).map(([id, r]) => ({
      key: id, id, ...r, providerState: r.provider ? (providers[r.provider] || providerIgnoringCase(providers, r.provider) || {}).state : null,
    }));
    const anyOverride = rows.some((r) => Object.keys(r.overrides || {}).length > 0);
    replace("routes-table", "routes", { rows, inbound }, () => {
      if (rows.length === 0) return el("p", { class: "empty" }, "No route is configured.");
      const columns = [
        { label: "Route", header: true, className: "nowrap", cell: (r) => r.id },
        { label: "Match", cell: (r) => matchCell(r.match || {}) },
        {
          label: "Provider",
          cell: (r) => (r.provider
            ? el("span", {}, el("a", { href: `#provider-${r.provider}` }, r.provider), " ", r.providerState ? stateBadge(r.providerState) : null)
            : el("span", { class: "muted" }, "none (no AuthToken)")),
        },
        {
          label: "Per-client overrides",
          cell: (r) => list(Object.entries(r.overrides || {}).map(([client, provider]) => `${client} → ${provider}`)),
        },
        {
          label: "Cluster → destinations",
          cell: (r) => el("div", {}, el("div", {}, r.cluster || "—"), list(Object.entries(r.destinations || {}).map(([name, d]) =>
            el("span", {}, `${name}: `, el("code", {}, d.address || "(address not shown)"),
              d.health && d.health !== "unknown" ? el("span", {}, " ", badge(d.health, d.health === "healthy" ? OUTCOMES.accepted : OUTCOMES.rejected)) : null)))),
        },
        { label: "Authorization", cell: (r) => authorizationText(r, inbound) },
        { label: "Rate limit", cell: (r) => r.rateLimiterPolicy || none() },
      ];
      if (!anyOverride) columns.splice(3, 1);
      return table("Routes", columns, rows);
    });
  }

  function providerIgnoringCase(providers, name) {
    const hit = Object.entries(providers).find(([key]) => key.toLowerCase() === name.toLowerCase());
    return hit ? hit[1] : null;
  }

  function problemList(problems) {
    return el("ul", { class: "problems" }, problems.map((p) => el("li", {}, breakable("code", { class: "key-path" }, p.path, ":"), ": ", p.reason)));
  }

  function renderConfiguration(data) {
    const config = data.config || {};
    const reloads = data.reloads || [];
    const last = reloads[0];
    replace("configuration-facts", "config", { config, last }, () => {
      const facts = [
        ["File", breakable("code", {}, config.path || "", "/")],
        ["Serving since", timeEl(config.loadedAt)],
        ["Last edit", last
          ? el("span", {}, badge(last.outcome, OUTCOMES[last.outcome]), " ", timeEl(last.at),
            last.outcome === "rejected" ? " — the configuration loaded before keeps serving" : "")
          : el("span", { class: "muted" }, "no edit since start-up")],
      ];
      const dl = document.createDocumentFragment();
      for (const [term, value] of facts) dl.append(el("dt", {}, term), el("dd", {}, value));
      return dl;
    });
    replace("reloads-table", "reloads", reloads, () => {
      if (reloads.length === 0) return el("p", { class: "empty" }, "No reload attempt since start-up: the file has not changed.");
      return table("Reload attempts", [
        { label: "Time", header: true, className: "nowrap", cell: (r) => timeEl(r.at) },
        { label: "Outcome", cell: (r) => badge(r.outcome, OUTCOMES[r.outcome], `outcome-${r.outcome}`) },
        { label: "Problems", cell: (r) => (r.problems.length ? problemList(r.problems) : none()) },
      ], reloads.map((r, i) => ({ key: `${r.at}-${i}`, ...r })));
    });
  }

  function eventDetail(e) {
    const parts = [e.detail];
    if (e.until) {
      const label = e.kind === "fetched" || e.kind === "renewed" ? "valid until " : "next attempt not before ";
      parts.push(el("span", { class: "muted" }, ` (${label}`, timeEl(e.until), ")"));
    }
    return el("span", { class: e.kind === "failed" ? "error-text" : null }, parts);
  }

  function renderEvents(data) {
    const events = data.events || [];
    replace("events-table", "events", events, () => {
      if (events.length === 0) return el("p", { class: "empty" }, "No token event yet: providers fetch their first token on first use.");
      return table("Token events", [
        { label: "Time", header: true, className: "nowrap", cell: (e) => timeEl(e.at) },
        { label: "Provider", className: "nowrap", cell: (e) => e.provider },
        { label: "Event", cell: (e) => badge((EVENT_KINDS[e.kind] || {}).word || e.kind, EVENT_KINDS[e.kind], `event-${e.kind}`) },
        { label: "Detail", cell: eventDetail },
      ], events.map((e, i) => ({ key: `${e.at}-${i}`, ...e })));
    });
  }

  // The shared token cache (CONTRACT §10), when one is configured: every field it reports.
  function renderTokenCache(data) {
    const cache = data.tokenCache;
    const section = document.getElementById("token-cache");
    section.hidden = !cache;
    document.getElementById("token-cache-link").hidden = !cache;
    if (!cache) {
      rendered.tokenCache = undefined;
      return;
    }

    replace("token-cache-facts", "tokenCache", cache, () => {
      const dl = document.createDocumentFragment();
      for (const [key, value] of Object.entries(cache)) {
        let shown;
        if (key === "state" && typeof value === "string") shown = badge(value, CACHE_STATES[value], `cache-${value}`);
        else if (value === null || value === undefined) shown = none();
        else if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) shown = timeEl(value);
        else if (typeof value === "object") shown = el("code", {}, JSON.stringify(value));
        else shown = String(value);
        dl.append(el("dt", {}, key), el("dd", {}, shown));
      }
      return dl;
    });
  }

  function renderSummary(data) {
    const counts = {};
    for (const p of Object.values(data.providers || {})) {
      counts[p.state] = (counts[p.state] || 0) + 1;
      if (p.lastError) counts.errors = (counts.errors || 0) + 1;
    }
    const order = ["backoff", "expired", "fetching", "refreshing", "valid", "empty"];
    replace("summary", "summary", counts, () => {
      const fragment = document.createDocumentFragment();
      const total = Object.keys(data.providers || {}).length;
      fragment.append(el("span", { class: "visually-hidden" }, `${total} token providers: `));
      for (const state of order) {
        if (counts[state]) fragment.append(badge(`${counts[state]} ${state}`, PROVIDER_STATES[state]));
      }
      if (counts.errors) fragment.append(badge(`${counts.errors} failing`, { tone: "bad", icon: "warning" }));
      return fragment;
    });
    document.getElementById("version").textContent = data.version ? `v${data.version.replace(/\+.*$/, "")}` : "";
  }

  function renderAlerts(data) {
    const last = (data.reloads || [])[0];
    const alerts = [];
    if (lastFailure) {
      alerts.push({
        key: "connection",
        node: () => el("div", { class: "alert warn", role: "alert", id: "connection-lost" },
          el("p", { class: "alert-title" }, icon("warning"), el("span", {}, "The status endpoint does not answer")),
          el("p", {}, `${lastFailure}. The page shows what it said last`,
            lastSuccessAt ? [" (at ", timeEl(new Date(lastSuccessAt + serverOffsetMs).toISOString()), ")"] : "", " and retries every second.")),
      });
    }
    if (last && last.outcome === "rejected") {
      const count = last.problems.length;
      alerts.push({
        key: `rejected-${last.at}`,
        node: () => el("div", { class: "alert", role: "alert", id: "rejected-edit" },
          el("p", { class: "alert-title" }, icon("cross"), el("span", {}, "The last configuration edit was rejected at ", timeEl(last.at))),
          el("p", {}, "Nothing of it applies: the configuration loaded at ", timeEl((data.config || {}).loadedAt),
            ` keeps serving. Fix the ${count === 1 ? "problem" : `${count} problems`} below and save the file again.`),
          problemList(last.problems)),
      });
    }
    replace("alerts", "alerts", { keys: alerts.map((a) => a.key), problems: last && last.outcome === "rejected" ? last.problems : null }, () => {
      const fragment = document.createDocumentFragment();
      for (const a of alerts) fragment.append(a.node());
      return fragment;
    });
  }

  function render(data) {
    renderSummary(data);
    renderAlerts(data);
    renderProviders(data);
    renderRoutes(data);
    renderConfiguration(data);
    renderEvents(data);
    renderTokenCache(data);
  }

  // ---- loop -----------------------------------------------------------------------------------------------------

  function showUpdated() {
    const updated = document.getElementById("updated");
    if (!lastSuccessAt) {
      updated.textContent = lastFailure ? `Status endpoint unreachable (${lastFailure}); retrying…` : "Connecting to the status endpoint…";
      updated.classList.toggle("stale", Boolean(lastFailure));
      return;
    }
    const age = Math.max(0, Math.round((Date.now() - lastSuccessAt) / 1000));
    updated.textContent = lastFailure ? `Stale: last update ${age} s ago` : `Live · updated ${localText(lastSuccessAt + serverOffsetMs)}`;
    updated.classList.toggle("stale", Boolean(lastFailure));
  }

  async function poll() {
    const sent = Date.now();
    try {
      const response = await fetch(STATUS_URL, { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      const received = Date.now();
      const now = Date.parse(data.now);
      if (!Number.isNaN(now)) serverOffsetMs = now - (sent + received) / 2;
      lastData = data;
      lastSuccessAt = received;
      lastFailure = null;
    } catch (error) {
      lastFailure = error instanceof Error && error.message ? error.message : "no answer";
    }
    if (lastData) render(lastData);
    showUpdated();
    setTimeout(poll, POLL_MS);
  }

  function tick() {
    for (const node of document.querySelectorAll(".countdown[data-until]")) updateCountdown(node);
    showUpdated();
  }

  poll();
  setInterval(tick, 1000);
})();
