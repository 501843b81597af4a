/*
 * Standards Assistant — the page. Plain JavaScript, no build step, no external resources.
 *
 * Safety rule for this file: every piece of text that came from the server or the user is put
 * into the page with textContent / createTextNode (via el()); innerHTML is never used. The
 * corpus contains HTML fragments and people paste anything into the question box, so nothing
 * of theirs may be parsed as markup. The server's Content-Security-Policy (default-src 'self')
 * backs this up: no inline scripts, styles or handlers exist in the page.
 */
"use strict";

(function () {
  // ---------------------------------------------------------------------------------------
  // DOM helpers
  // ---------------------------------------------------------------------------------------
  const SVG_NS = "http://www.w3.org/2000/svg";

  /**
   * Create an element. attrs: {class, text, on: {event: fn}, dataset: {}, ...attributes}.
   * Attribute names starting with "on" or equal to "style" are refused: handlers are attached
   * with addEventListener and styling lives in style.css (the CSP forbids inline ones anyway).
   */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    applyAttrs(node, attrs);
    appendAll(node, children);
    return node;
  }

  function svgEl(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    applyAttrs(node, attrs);
    appendAll(node, children);
    return node;
  }

  function applyAttrs(node, attrs) {
    if (!attrs) return;
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.setAttribute("class", value);
      else if (key === "on") {
        for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
      } else if (key === "dataset") {
        for (const [k, v] of Object.entries(value)) node.dataset[k] = String(v);
      } else if (/^on/i.test(key) || key.toLowerCase() === "style") {
        throw new Error("refusing inline handler/style attribute: " + key);
      } else node.setAttribute(key, value === true ? "" : String(value));
    }
  }

  function appendAll(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  const $ = (sel, root) => (root || document).querySelector(sel);

  let idCounter = 0;
  const uid = (prefix) => `${prefix}-${++idCounter}`;

  // ---------------------------------------------------------------------------------------
  // API
  // ---------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** Turn any error body into {code, message}: the service's shape first, FastAPI's as fallback. */
  function errorFromBody(status, body, fallbackText) {
    if (body && typeof body === "object") {
      if (body.error && typeof body.error === "object") {
        return new ApiError(status, body.error.code || "error", body.error.message || `HTTP ${status}`);
      }
      if (body.detail !== undefined) {
        const detail = Array.isArray(body.detail)
          ? body.detail.map((d) => (d && d.msg) || JSON.stringify(d)).join("; ")
          : String(body.detail);
        return new ApiError(status, "http_" + status, detail);
      }
    }
    return new ApiError(status, "http_" + status, fallbackText || `The server answered HTTP ${status}.`);
  }

  async function api(path, options) {
    const opts = options || {};
    const init = { method: opts.method || "GET", headers: {} };
    if (opts.json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.json);
    } else if (opts.form) {
      init.body = opts.form; // the browser sets the multipart boundary
    }
    if (opts.token) init.headers["Authorization"] = "Bearer " + opts.token;
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, "network", "Could not reach the server. Is `standards serve` running?");
    }
    if (opts.raw) {
      if (!response.ok) throw await errorFromResponse(response);
      return response;
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (err) {
      body = null;
    }
    if (!response.ok) throw errorFromBody(response.status, body, text && text.length < 300 ? text : null);
    return body;
  }

  async function errorFromResponse(response) {
    const text = await response.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch (err) {
      body = null;
    }
    return errorFromBody(response.status, body, text && text.length < 300 ? text : null);
  }

  function qs(params) {
    const usp = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && String(v).trim() !== "") usp.set(k, String(v).trim());
    }
    const s = usp.toString();
    return s ? "?" + s : "";
  }

  /** A list out of a response that is either a bare array or {key: [...]}. */
  function listOf(data, ...keys) {
    if (Array.isArray(data)) return data;
    if (data && typeof data === "object") {
      for (const k of keys.concat(["items", "results"])) if (Array.isArray(data[k])) return data[k];
    }
    return [];
  }

  function errorNode(err, prefix) {
    const message = err instanceof ApiError ? err.message : String(err && err.message ? err.message : err);
    const code = err instanceof ApiError && err.code ? err.code : null;
    return el("p", { class: "notice notice-error", role: "alert" },
      prefix ? prefix + " " : "", message, code ? el("span", { class: "error-code", text: ` (${code})` }) : null);
  }

  // ---------------------------------------------------------------------------------------
  // Shared state
  // ---------------------------------------------------------------------------------------
  const state = {
    documents: [],
    documentsById: new Map(),
    authorities: [],
    topics: [],
    cohorts: [],
    roles: [],
    adminToken: "",
    lastCompare: null,
  };

  async function loadDocuments() {
    const data = await api("/api/documents");
    state.documents = listOf(data, "documents");
    state.documentsById = new Map(state.documents.map((d) => [d.id, d]));
    const auths = new Set(state.documents.map((d) => d.authority).filter(Boolean));
    state.authorities = Array.from(auths).sort((a, b) => a.localeCompare(b));
    return state.documents;
  }

  function topicName(t) {
    return typeof t === "string" ? t : t.name || t.topic || t.canonical || "";
  }

  function asList(v) {
    if (!v) return [];
    if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : topicName(x))).filter(Boolean);
    return [String(v)];
  }

  async function loadTopics() {
    const data = await api("/api/topics");
    state.topics = listOf(data, "topics").filter((t) => topicName(t));
    const cohorts = new Set(asList(data && data.cohorts));
    const roles = new Set(asList(data && data.roles));
    for (const t of state.topics) {
      if (typeof t === "object") asList(t.cohorts).forEach((c) => cohorts.add(c));
    }
    state.cohorts = Array.from(cohorts).sort();
    state.roles = Array.from(roles).sort();
    fillDatalist($("#cohort-options"), state.cohorts);
    fillDatalist($("#role-options"), state.roles);
    return state.topics;
  }

  function fillDatalist(list, values) {
    clear(list);
    for (const v of values) list.appendChild(el("option", { value: v }));
  }

  function documentTitle(idOrTitle) {
    const doc = state.documentsById.get(idOrTitle);
    return doc ? doc.title : idOrTitle;
  }

  // ---------------------------------------------------------------------------------------
  // Timescales and citations
  // ---------------------------------------------------------------------------------------
  const UNIT_WORDS = {
    working_day: ["working day", "working days"],
    day: ["day", "days"],
    hour: ["hour", "hours"],
    week: ["week", "weeks"],
    month: ["month", "months"],
    year: ["year", "years"],
    term: ["term", "terms"],
  };

  function num(v) {
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 10) / 10);
  }

  // figureOf / figureContext serve the Ask view's functions only, until its answers carry the
  // server's statements. Every other view shows the server's `description` (phrased once by
  // extractors.timescale.describe_timescale) and never rephrases a timescale.
  /** The figure itself, short: "10 working days", "every 6 weeks", "immediately". */
  function figureOf(ts) {
    if (!ts || typeof ts !== "object") return ts ? String(ts) : "";
    if (ts.kind === "immediate" || ts.value === null || ts.value === undefined) {
      return ts.phrase || "immediately";
    }
    const words = UNIT_WORDS[ts.unit] || [ts.unit || "", ts.unit || ""];
    const plural = ts.value_max ? true : ts.value !== 1;
    const amount = ts.value_max ? `${num(ts.value)}–${num(ts.value_max)}` : num(ts.value);
    const core = `${amount} ${plural ? words[1] : words[0]}`.trim();
    if (ts.kind === "frequency") return ts.value === 1 && !ts.value_max ? `every ${words[0]}` : `every ${core}`;
    return core;
  }

  /** Words that go under the figure: bound, anchor and relation. */
  function figureContext(ts) {
    if (!ts || typeof ts !== "object") return "";
    const parts = [];
    if (ts.kind === "deadline") {
      if (ts.anchor) parts.push(`${ts.anchor_relation === "before" ? "before" : "from"} ${ts.anchor}`);
      else parts.push("deadline");
    } else if (ts.kind === "frequency") {
      parts.push(ts.bound === "at_least" ? "at least this often" : "frequency");
      if (ts.anchor) parts.push(`after ${ts.anchor}`);
    } else if (ts.anchor) parts.push(`after ${ts.anchor}`);
    return parts.join(" · ");
  }

  /** [min, max] calendar days from whatever shape approx_days arrives in, or null. */
  function daysRange(v) {
    if (v === null || v === undefined) return null;
    if (typeof v === "number") return [v, v];
    if (Array.isArray(v) && v.length >= 1 && typeof v[0] === "number") return [v[0], typeof v[1] === "number" ? v[1] : v[0]];
    if (typeof v === "object" && typeof v.min === "number") return [v.min, typeof v.max === "number" ? v.max : v.min];
    return null;
  }

  function daysLabel(range) {
    if (!range) return "";
    const [a, b] = range.map((x) => num(x));
    return a === b ? `≈ ${a} days` : `≈ ${a}–${b} days`;
  }

  /** One citation record out of the several shapes the API uses (ask, obligation, compare). */
  function normCite(c, fallback) {
    const src = Object.assign({}, fallback || {}, c || {});
    return {
      clause_id: src.clause_id || src.id || null,
      authority: src.authority || "",
      // The API's "document" is the document id; show its title when the page knows it.
      document: src.document_title || documentTitle(src.document || src.document_id || "") || "",
      document_id: src.document_id || null,
      section: Array.isArray(src.heading_path) ? src.heading_path.join(" › ") : src.section || "",
      clause_ref: src.clause_ref || null,
      page: src.page === 0 || src.page ? src.page : null,
      text: src.text || src.plain_text || "",
      quote: src.quote || "",
      // The server labels citations once (service/records.py citation_label); records carry it.
      label: src.label || src.citation_label || "",
    };
  }

  /** Find `phrase` in `text`: exact, then ignoring case, markdown emphasis and spacing. */
  function findPhrase(text, phrase) {
    if (!text || !phrase) return null;
    let i = text.indexOf(phrase);
    if (i >= 0) return [i, i + phrase.length];
    const words = phrase.replace(/[*_]+/g, " ").trim().split(/\s+/).filter(Boolean);
    if (!words.length) return null;
    const pattern = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s*_]+");
    const m = new RegExp(pattern, "i").exec(text);
    return m ? [m.index, m.index + m[0].length] : null;
  }

  /** Text with some spans wrapped in <mark>; spans [{start, end, cls, label}] may overlap. */
  function highlighted(text, spans) {
    const frag = document.createDocumentFragment();
    const sorted = spans
      .filter((s) => s && s.start >= 0 && s.end > s.start && s.end <= text.length)
      .sort((a, b) => a.start - b.start);
    let pos = 0;
    for (const s of sorted) {
      if (s.start < pos) continue; // overlapping span: the first one wins
      if (s.start > pos) frag.appendChild(document.createTextNode(text.slice(pos, s.start)));
      const mark = el("mark", { class: s.cls || "hl", title: s.label || null }, text.slice(s.start, s.end));
      if (s.label) mark.appendChild(el("span", { class: "visually-hidden", text: ` (${s.label})` }));
      frag.appendChild(mark);
      pos = s.end;
    }
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  /** Only for records that arrive without the server's label (the Ask view's, until it sends them). */
  function citeLabel(cite) {
    const bits = [cite.authority];
    if (cite.clause_ref) bits.push(/^\d/.test(cite.clause_ref) ? `standard ${cite.clause_ref}` : cite.clause_ref);
    else if (cite.section) bits.push(lastPart(cite.section));
    if (cite.page) bits.push(`p. ${cite.page}`);
    return bits.filter(Boolean).join(" · ");
  }

  function lastPart(section) {
    const parts = String(section).split(" › ");
    return parts[parts.length - 1];
  }

  /**
   * A citation chip: a button that expands to the quoted clause with where it comes from, and a
   * button that opens the clause in its document context.
   */
  function citationChip(rawCite, opts) {
    const o = opts || {};
    const cite = normCite(rawCite, o.fallback);
    const panelId = uid("cite");
    const wrap = el("span", { class: "cite" + (o.block ? " cite-block" : "") });
    const button = el("button", {
      type: "button",
      class: "chip",
      "aria-expanded": "false",
      "aria-controls": panelId,
      title: "Show the source clause",
    }, o.prefix ? el("span", { class: "chip-num", text: o.prefix }) : null, cite.label || citeLabel(cite) || "source");
    const panel = el("div", { class: "cite-panel", id: panelId, hidden: true });
    let filled = false;
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      if (open && !filled) {
        fillCitePanel(panel, cite, o.phrases || []);
        filled = true;
      }
      panel.hidden = !open;
    });
    wrap.append(button, panel);
    return wrap;
  }

  /**
   * The clause as a reader wants it: markdown emphasis and HTML tags dropped, <br> as a line
   * break. Display only (the text still goes in as text, never parsed); "as written" views keep
   * the verbatim characters.
   */
  function readable(text) {
    return String(text || "")
      .replace(/<br\s*\/?>/gi, "\n")
      .replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, "")
      .replace(/\*\*|__/g, "")
      .replace(/[ \t]+\n/g, "\n")
      .trim();
  }

  function fillCitePanel(panel, cite, phrases) {
    const text = readable(cite.text || cite.quote);
    const spans = [];
    for (const p of phrases) {
      const at = findPhrase(text, p);
      if (at) spans.push({ start: at[0], end: at[1], cls: "hl" });
    }
    panel.appendChild(el("blockquote", { class: "quote" }, text ? highlighted(text, spans) : el("em", { text: "Quote not available; open the clause." })));
    panel.appendChild(metaList([
      ["Authority", cite.authority],
      ["Document", cite.document],
      ["Section", cite.section],
      ["Clause", cite.clause_ref],
      ["Page", cite.page],
    ]));
    if (cite.clause_id) {
      panel.appendChild(el("button", {
        type: "button",
        class: "link-button",
        on: { click: () => openClause(cite.clause_id) },
      }, "Open in document context"));
    }
  }

  function metaList(pairs) {
    const dl = el("dl", { class: "meta" });
    for (const [k, v] of pairs) {
      if (v === null || v === undefined || v === "") continue;
      dl.append(el("dt", { text: k }), el("dd", { text: String(v) }));
    }
    return dl;
  }

  // ---------------------------------------------------------------------------------------
  // Clause in context (dialog)
  // ---------------------------------------------------------------------------------------
  const dialog = $("#clause-dialog");

  async function openClause(clauseId) {
    const body = clear($("#clause-dialog-body"));
    body.appendChild(el("p", { class: "muted", text: "Loading the clause…" }));
    if (!dialog.open) dialog.showModal();
    try {
      const data = await api("/api/clauses/" + encodeURIComponent(clauseId));
      clear(body);
      renderClauseContext(body, data, clauseId);
    } catch (err) {
      clear(body).appendChild(errorNode(err, "Could not load the clause:"));
    }
  }

  function neighbours(data, ...keys) {
    for (const k of keys) {
      const v = data[k] || (data.context && data.context[k]);
      if (Array.isArray(v)) return v;
      if (v && typeof v === "object") return [v];
    }
    return [];
  }

  function renderClauseContext(body, data, clauseId) {
    const clause = data.clause || data;
    const doc = (data.document && typeof data.document === "object" ? data.document : null) ||
      state.documentsById.get(clause.document_id || data.document) || { title: data.document_title };
    const heading = Array.isArray(clause.heading_path) ? clause.heading_path : String(clause.section || "").split(" › ").filter(Boolean);
    body.appendChild(el("p", { class: "doc-line" },
      el("strong", { text: clause.authority || doc.authority || "" }), " · ", doc.title || documentTitle(clause.document_id || "") || ""));
    if (heading.length) {
      const ol = el("ol", { class: "breadcrumb", "aria-label": "Heading path" });
      heading.forEach((h) => ol.appendChild(el("li", { text: h })));
      body.appendChild(ol);
    }
    const before = neighbours(data, "before", "previous", "prev");
    const after = neighbours(data, "after", "next");
    before.forEach((c) => body.appendChild(contextClause(c, false)));
    const obligations = listOf(data.obligations || clause.obligations || []);
    const main = contextClause(clause, true, obligations);
    body.appendChild(main);
    after.forEach((c) => body.appendChild(contextClause(c, false)));
    if (obligations.length) {
      const ul = el("ul", { class: "ob-list" });
      obligations.forEach((ob) => ul.appendChild(el("li", {}, obligationSummary(ob))));
      body.appendChild(el("h3", { class: "small-heading", text: "Timescales in this clause" }));
      body.appendChild(ul);
    }
    // /api/clauses gives the document id as "document" (citation shape).
    const docId = clause.document_id || (typeof clause.document === "string" ? clause.document : null) || doc.id;
    if (docId) {
      body.appendChild(el("p", {},
        el("a", { href: `#doc/${encodeURIComponent(docId)}/${encodeURIComponent(clause.id || clauseId)}`, class: "button-like", on: { click: () => dialog.close() } },
          "Open the whole document at this clause")));
    }
  }

  function contextClause(c, current, obligations) {
    const text = c.plain_text || readable(c.text);
    const spans = [];
    for (const ob of obligations || []) {
      const at = findPhrase(text, ob.timescale && ob.timescale.phrase);
      if (at) spans.push({ start: at[0], end: at[1], cls: "hl", label: ob.description || "timescale" });
    }
    return el("div", { class: "context-clause" + (current ? " current" : ""), "aria-current": current ? "true" : null },
      el("p", { class: "clause-meta" },
        c.clause_ref ? el("span", { class: "clause-ref", text: c.clause_ref }) : null,
        c.page ? el("span", { class: "muted", text: ` p. ${c.page}` }) : null,
        current ? el("span", { class: "badge", text: "cited clause" }) : null),
      el("p", { class: "clause-text" }, highlighted(text, spans)));
  }

  $("#clause-dialog-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (ev) => {
    if (ev.target === dialog) dialog.close(); // click on the backdrop
  });

  /** One obligation as the server phrases it: its description, the duty, cohort and who owns it. */
  function obligationSummary(ob) {
    const owners = listOf(ob.owners);
    return el("span", { class: "ob-summary" },
      el("strong", { class: "ob-description", text: ob.description || "" }),
      ob.duty ? ` — ${ob.duty}` : "",
      ob.cohort ? el("span", { class: "muted", text: ` (${ob.cohort})` }) : null,
      owners.length ? el("span", { class: "muted", text: ` · ${owners.join(", ")}` }) : null);
  }

  // ---------------------------------------------------------------------------------------
  // Views and routing
  // ---------------------------------------------------------------------------------------
  // Views in their own files (web/<view>.js) register themselves in window.StandardsViews
  // ({init, route?}) and get these shared helpers when first shown.
  window.StandardsApp = Object.freeze({
    el, clear, api, qs, errorNode, citationChip, $, listOf, downloadBlob, slug, uid, state, loadDocuments,
    async authorities() {
      if (!state.authorities.length) await loadDocuments();
      return state.authorities.slice();
    },
  });

  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  const VIEWS = tabs.map((tab) => tab.dataset.view);
  const extraView = (name) => (window.StandardsViews || {})[name] || null;
  const loaded = {};

  function showView(name) {
    for (const v of VIEWS) {
      const selected = v === name;
      $("#view-" + v).hidden = !selected;
      const tab = $("#tab-" + v);
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    if (!loaded[name]) {
      loaded[name] = true;
      if (name === "compare") initCompare();
      if (name === "documents") renderDocumentList();
      if (name === "trainers") initTrainers();
      const view = extraView(name);
      if (view && typeof view.init === "function") view.init(window.StandardsApp);
    }
  }

  function route() {
    const hash = decodeURIComponent(location.hash.replace(/^#/, ""));
    if (hash.startsWith("doc/")) {
      const [, docId, clauseId] = hash.split("/");
      showView("documents");
      openDocument(docId, clauseId);
      return;
    }
    const [head, ...rest] = hash.split("/");
    if (rest.length && extraView(head) && extraView(head).route) {
      showView(head);
      extraView(head).route(rest);
      return;
    }
    const name = VIEWS.includes(hash) ? hash : "ask";
    showView(name);
    if (name === "documents") closeDocument();
  }

  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => {
      location.hash = tab.dataset.view;
    });
    tab.addEventListener("keydown", (ev) => {
      let next = null;
      if (ev.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
      if (ev.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
      if (ev.key === "Home") next = tabs[0];
      if (ev.key === "End") next = tabs[tabs.length - 1];
      if (next) {
        ev.preventDefault();
        next.focus();
        location.hash = next.dataset.view;
      }
    });
  });
  window.addEventListener("hashchange", route);

  // ---------------------------------------------------------------------------------------
  // Ask
  // ---------------------------------------------------------------------------------------
  const STORE_KEY = "standards-assistant.conversation.v1";
  const MAX_TURNS = 40;
  const MAX_HISTORY = 20; // earlier questions sent with a follow-up (the API's limit)
  const EXAMPLES = [
    "When must the first core group meet in Wokingham?",
    "How often must a child on a child protection plan be visited?",
    "strat disc how quick in wilts",
    "How long have I got to write up a visit in Sandwell?",
    "ICPC was on 3 March 2026 — when is the first core group due in Wokingham?",
    "How often should a CIN kid be seen in Dudley?",
    "Who chairs a strategy discussion in Dudley?",
  ];

  let conversation = loadConversation();

  function loadConversation() {
    try {
      const raw = sessionStorage.getItem(STORE_KEY);
      const data = raw ? JSON.parse(raw) : [];
      return Array.isArray(data) ? data : [];
    } catch (err) {
      return [];
    }
  }

  function saveConversation() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(conversation.slice(-MAX_TURNS)));
    } catch (err) {
      // Storage full or disabled: the conversation still works, it just will not survive a reload.
    }
  }

  function renderExamples() {
    const box = $("#examples");
    const list = clear($("#example-list"));
    for (const q of EXAMPLES) {
      list.appendChild(el("li", {}, el("button", {
        type: "button",
        class: "example",
        on: { click: () => { $("#question").value = q; ask(); } },
      }, q)));
    }
    box.hidden = conversation.length > 0;
  }

  function renderConversation() {
    const box = clear($("#conversation"));
    conversation.forEach((turn) => box.appendChild(renderTurn(turn)));
    renderExamples();
  }

  function selectedAuthorities() {
    return Array.from(document.querySelectorAll("#ask-authorities input:checked")).map((i) => i.value);
  }

  function renderAuthorityFilter() {
    const box = clear($("#ask-authorities"));
    if (!state.authorities.length) {
      box.appendChild(el("span", { class: "muted", text: "No documents ingested yet." }));
      return;
    }
    for (const a of state.authorities) {
      const id = uid("auth");
      box.appendChild(el("span", { class: "chip-check" },
        el("input", { type: "checkbox", id, value: a, name: "authority" }),
        el("label", { for: id, text: a })));
    }
    box.appendChild(el("span", { class: "hint", text: "None ticked: all authorities." }));
  }

  const longDate = (iso) => {
    const [y, m, d] = iso.split("-").map(Number);
    const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    return `${d} ${months[m - 1]} ${y}`;
  };

  async function ask() {
    const input = $("#question");
    const question = input.value.trim();
    if (!question) {
      input.focus();
      return;
    }
    const date = $("#ask-date").value || null;
    const authorities = selectedAuthorities();
    // The service reads dates in the question ("ICPC was on 3 March 2026 ..."); the date
    // field adds the same wording so a plain question plus a date works too.
    const sent = date && !/\b\d{4}\b/.test(question) ? `${question} (the event was on ${longDate(date)})` : question;
    const turn = { id: Date.now() + "-" + Math.random().toString(36).slice(2, 7), question, sent, date, authorities, pending: true };
    conversation.push(turn);
    $("#examples").hidden = true;
    const box = $("#conversation");
    const node = renderTurn(turn);
    box.appendChild(node);
    node.scrollIntoView({ block: "start" });
    input.value = "";
    setAskBusy(true);
    try {
      const body = { question: sent };
      if (authorities.length) body.authorities = authorities;
      // The conversation so far: a follow-up ("and in Wokingham?") is read with it.
      const history = conversationHistory(turn);
      if (history.length) body.history = history;
      turn.response = await api("/api/ask", { method: "POST", json: body });
      if (date && !turn.response.abstained && !turn.response.deadline) {
        turn.deadlines = await deadlinesFor(turn.response, date);
      }
    } catch (err) {
      turn.error = { code: err.code || "error", message: err.message || String(err) };
    }
    delete turn.pending;
    saveConversation();
    const fresh = renderTurn(turn);
    box.replaceChild(fresh, node);
    // Focus stays in the question box for the next question; the live region announces the answer.
    fresh.scrollIntoView({ block: "start" });
    setAskBusy(false);
  }

  /** Earlier questions of this conversation that were answered, oldest first (the API keeps 20). */
  function conversationHistory(current) {
    return conversation
      .filter((t) => t !== current && t.response && !t.error)
      .map((t) => t.sent || t.question)
      .slice(-MAX_HISTORY);
  }

  /** Due dates straight from POST /api/deadline when the answer did not compute one. */
  async function deadlinesFor(response, date) {
    const obs = listOf(response.obligations).filter((ob) => ob && ob.id && ob.timescale && ob.timescale.kind === "deadline").slice(0, 4);
    const out = [];
    for (const ob of obs) {
      try {
        const d = await api("/api/deadline", { method: "POST", json: { obligation_id: ob.id, from: date } });
        out.push({ obligation_id: ob.id, authority: ob.authority, result: d });
      } catch (err) {
        out.push({ obligation_id: ob.id, authority: ob.authority, error: err.message });
      }
    }
    return out;
  }

  function setAskBusy(busy) {
    $("#ask-submit").disabled = busy;
    $("#ask-submit").textContent = busy ? "Asking…" : "Ask";
    $("#conversation").setAttribute("aria-busy", String(busy));
  }

  function renderTurn(turn) {
    const wrap = el("div", { class: "turn", dataset: { turn: turn.id } });
    const filters = [];
    if (turn.authorities && turn.authorities.length) filters.push("Authorities: " + turn.authorities.join(", "));
    if (turn.date) filters.push("Event date: " + longDate(turn.date));
    wrap.appendChild(el("div", { class: "bubble user" },
      el("span", { class: "visually-hidden", text: "You asked: " }),
      el("p", { class: "question-text", text: turn.question }),
      filters.length ? el("p", { class: "filters", text: filters.join(" · ") }) : null));
    if (turn.pending) {
      wrap.appendChild(el("div", { class: "answer pending", tabindex: "-1" }, el("p", { class: "muted", text: "Looking through the standards…" })));
    } else if (turn.error) {
      wrap.appendChild(el("div", { class: "answer error", tabindex: "-1" }, errorNode(turn.error.code ? new ApiError(0, turn.error.code, turn.error.message) : turn.error, "Could not answer:")));
    } else if (turn.response) {
      wrap.appendChild(renderAnswer(turn.response, turn));
    }
    return wrap;
  }

  function paragraphs(text) {
    return String(text || "").split(/\n+/).filter((p) => p.trim()).map((p) => el("p", { text: p }));
  }

  function renderAnswer(r, turn) {
    const statements = listOf(r.statements);
    const notes = listOf(r.notes);
    const conflicts = listOf(r.conflicts);
    if (r.abstained) {
      const card = el("div", { class: "answer abstained", tabindex: "-1" });
      card.appendChild(el("p", { class: "answer-kind" }, el("span", { class: "icon", "aria-hidden": "true", text: "?" }), "Not found in these standards"));
      if (notes.length) card.appendChild(renderNotes(notes));
      if (statements.length) card.appendChild(renderStatements(r, statements, false));
      // National lines lead their own box below, not the paragraphs.
      else card.append(...paragraphs(withoutNotes(r.answer, notes.concat(listOf(r.national).map((fb) => fb.text)))));
      if (listOf(r.national).length) card.appendChild(renderNationalWord(r.national));
      const nearest = listOf(r.nearest);
      if (nearest.length) {
        card.appendChild(el("h3", { class: "small-heading", text: "You may want to look at" }));
        const ul = el("ul", { class: "nearest" });
        nearest.forEach((c) => ul.appendChild(el("li", {}, citationChip(c, { block: true }))));
        card.appendChild(ul);
      }
      return card;
    }
    const card = el("div", { class: "answer", tabindex: "-1" });
    card.appendChild(el("p", { class: "visually-hidden", text: "Answer:" }));
    if (notes.length) card.appendChild(renderNotes(notes));
    if (conflicts.length) {
      card.appendChild(el("p", { class: "conflict-flag" }, el("span", { class: "icon", "aria-hidden": "true", text: "!" }),
        `Conflicting timescales in ${unique(conflicts.map((c) => c.authority)).join(", ")}'s standards — both sides are shown below.`));
    }
    card.appendChild(renderStatements(r, statements, true));
    if (listOf(r.national).length) card.appendChild(renderNationalWord(r.national));
    if (r.deadline) card.appendChild(renderDeadline(r.deadline));
    for (const d of (turn && turn.deadlines) || []) {
      card.appendChild(d.error ? el("p", { class: "notice notice-error", text: `${d.authority}: ${d.error}` }) : renderDeadline(d.result, d.authority));
    }
    // Extra controls other views add to an answer (the "Not helpful" button of web/changes.js).
    if (window.StandardsHooks && window.StandardsHooks.answer) window.StandardsHooks.answer(card, r, turn);
    conflicts.forEach((c) => card.appendChild(renderConflict(c)));
    // The whole answer as plain text, for copying into a case note.
    const details = el("details", { class: "answer-plain" }, el("summary", { text: "Answer as text" }),
      el("div", { class: "answer-text" }, paragraphs(r.answer)));
    card.appendChild(details);
    return card;
  }

  /** What the national baseline adds: its figure where an authority's standards are silent, or
   * both figures where the local one is looser. Always tagged national, never an authority's. */
  function renderNationalWord(national) {
    const box = el("section", { class: "national-word", "aria-label": "National figures" });
    box.appendChild(el("h3", { class: "small-heading", text: "National minimum" }));
    const ul = el("ul", {});
    for (const fb of national) {
      const li = el("li", { class: `national-${fb.status}` },
        el("span", { class: "national-tag", text: fb.status === "looser" ? "Looser than national" : "National" }), " ",
        fb.text || "");
      ul.appendChild(li);
    }
    box.appendChild(ul);
    return box;
  }

  /** The answer text without the notes shown above it (they lead the plain-text answer). */
  function withoutNotes(text, notes) {
    return String(text || "").split("\n").filter((line) => !notes.includes(line)).join("\n");
  }

  function renderNotes(notes) {
    const ul = el("ul", { class: "answer-notes", "aria-label": "Notes" });
    notes.forEach((n) => ul.appendChild(el("li", { class: "note" }, el("span", { class: "icon", "aria-hidden": "true", text: "i" }), n)));
    return ul;
  }

  /** One card per authority in scope: its statements (figure first, the quoted sentence with the
   * figure marked, qualifiers, items, the citation chip), or "No standard found". */
  function renderStatements(r, statements, showGaps) {
    const byAuth = new Map();
    for (const st of statements) {
      if (!byAuth.has(st.authority)) byAuth.set(st.authority, []);
      byAuth.get(st.authority).push(st);
    }
    const grid = el("div", { class: "figures" });
    for (const [auth, list] of byAuth) {
      const card = el("section", { class: "figure-card", "aria-label": `${auth}: what the standards say` });
      card.appendChild(el("h3", { class: "figure-authority", text: auth }));
      list.forEach((st) => card.appendChild(renderStatement(st)));
      grid.appendChild(card);
    }
    if (showGaps) {
      for (const a of listOf(r.authorities)) {
        if (byAuth.has(a)) continue;
        grid.appendChild(el("section", { class: "figure-card none", "aria-label": `${a}: no standard found` },
          el("h3", { class: "figure-authority", text: a }),
          el("p", { class: "figure-value none", text: "No standard found" })));
      }
    }
    return grid;
  }

  function renderStatement(st) {
    const box = el("div", { class: "figure statement statement-" + (st.kind || "quote") });
    if (st.kind === "figure") {
      box.appendChild(el("p", { class: "figure-value", text: st.figure || "" }));
    } else if (st.kind === "no_timescale") {
      box.appendChild(el("p", { class: "figure-context no-timescale", text: "Covers this, but sets no timescale" }));
    }
    const marks = listOf(st.marks).map((m, i) => ({ start: m[0], end: m[1], cls: i === 0 ? "hl" : "hl hl-other" }));
    box.appendChild(el("blockquote", { class: "statement-quote" }, highlighted(st.sentence || "", marks)));
    const quals = listOf(st.qualifiers);
    if (quals.length) {
      const ul = el("ul", { class: "qualifiers", "aria-label": "Applies to" });
      quals.forEach((q) => ul.appendChild(el("li", { class: "qualifier", text: q })));
      box.appendChild(ul);
    }
    const items = listOf(st.items);
    if (items.length) {
      const ul = el("ul", { class: "statement-items" });
      items.forEach((it) => ul.appendChild(el("li", { text: it })));
      box.appendChild(ul);
    }
    const others = listOf(st.other_figures);
    if (others.length) box.appendChild(el("p", { class: "figure-context", text: "Also in this sentence: " + others.join("; ") }));
    if (st.national) box.appendChild(el("p", { class: "figure-context national", text: "National figure" }));
    if (st.citation) box.appendChild(citationChip(st.citation, { phrases: [st.written].filter(Boolean) }));
    return box;
  }

  function unique(xs) {
    return Array.from(new Set(xs.filter(Boolean)));
  }

  function renderConflict(c) {
    const box = el("section", { class: "conflict", "aria-label": `Conflict in ${c.authority}` });
    box.appendChild(el("h3", { class: "small-heading" }, el("span", { class: "icon", "aria-hidden": "true", text: "!" }),
      `Conflict in ${c.authority}: ${c.topic || ""}${c.cohort ? " (" + c.cohort + ")" : ""}`));
    if (c.reason) box.appendChild(el("p", { text: c.reason }));
    const ul = el("ul", { class: "conflict-sides" });
    for (const ob of listOf(c.obligations)) {
      ul.appendChild(el("li", {}, el("strong", { text: figureOf(ob.timescale) }), " ",
        el("span", { class: "muted", text: figureContext(ob.timescale) }), " ",
        citationChip(ob.citation, { phrases: [ob.timescale && ob.timescale.phrase] })));
    }
    box.appendChild(ul);
    return box;
  }

  const DEADLINE_KEYS = {
    due: ["due", "due_date", "date_due"],
    from: ["from", "start", "from_date", "start_date"],
    calc: ["calculation", "explanation", "steps", "working"],
  };

  function pick(obj, keys) {
    for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) return obj[k];
    return null;
  }

  function renderDeadline(d, authority) {
    const box = el("section", { class: "deadline", "aria-label": "Due date" });
    const due = pick(d, DEADLINE_KEYS.due);
    const from = pick(d, DEADLINE_KEYS.from);
    const who = authority || d.authority;
    box.appendChild(el("p", { class: "deadline-head" }, who ? `${who} — due ` : "Due ", el("strong", { class: "deadline-date", text: due ? formatIsoDate(due) : "(not computed)" })));
    if (from) box.appendChild(el("p", { class: "muted", text: `Counting from ${formatIsoDate(from)}${d.timescale ? " · " + (d.timescale.phrase || figureOf(d.timescale)) : ""}` }));
    const calc = pick(d, DEADLINE_KEYS.calc);
    if (Array.isArray(calc)) {
      const ol = el("ol", { class: "calc" });
      calc.forEach((s) => ol.appendChild(el("li", { text: typeof s === "string" ? s : JSON.stringify(s) })));
      box.appendChild(ol);
    } else if (calc) box.appendChild(el("p", { class: "calc", text: String(calc) }));
    if (d.note) box.appendChild(el("p", { class: "muted", text: d.note }));
    const skipped = d.skipped || d.holidays || d.bank_holidays;
    if (Array.isArray(skipped) && skipped.length) {
      box.appendChild(el("p", { class: "muted", text: "Non-working days skipped: " + skipped.map((h) => (typeof h === "string" ? h : [h.date, h.name].filter(Boolean).join(" "))).join(", ") }));
    }
    if (d.citation) box.appendChild(citationChip(d.citation));
    return box;
  }

  function formatIsoDate(v) {
    const s = String(v);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
    const dt = new Date(s + "T12:00:00");
    const weekday = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][dt.getDay()];
    return `${weekday} ${longDate(s)}`;
  }

  $("#ask-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    ask();
  });
  $("#question").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      if (!$("#ask-submit").disabled) ask();
    }
  });
  $("#ask-clear").addEventListener("click", () => {
    conversation = [];
    saveConversation();
    renderConversation();
    $("#question").focus();
  });

  // ---------------------------------------------------------------------------------------
  // Compare
  // ---------------------------------------------------------------------------------------
  function topicTerms(t) {
    if (typeof t === "string") return [t];
    return [topicName(t)].concat(asList(t.synonyms), asList(t.abbreviations));
  }

  /** Abbreviations to show beside a topic: its own, then short synonyms built on an acronym ("CIN visit"). */
  function shortForms(t) {
    const out = asList(t.abbreviations);
    for (const syn of asList(t.synonyms)) {
      if (out.length >= 3) break;
      if (syn.length <= 16 && /\b[A-Z][A-Za-z.&]*[A-Z0-9]\b/.test(syn) && !out.some((o) => syn.includes(o))) out.push(syn);
    }
    return out.slice(0, 3);
  }

  function renderTopicList() {
    const q = $("#topic-search").value.trim().toLowerCase();
    const list = clear($("#topic-list"));
    const current = $("#compare-topic").value;
    let shown = 0;
    for (const t of state.topics) {
      const name = topicName(t);
      if (q && !topicTerms(t).some((term) => term.toLowerCase().includes(q))) continue;
      shown++;
      const abbr = typeof t === "object" ? shortForms(t) : [];
      const count = typeof t === "object" ? t.obligation_count || t.count || null : null;
      const auths = typeof t === "object" ? asList(t.authorities) : [];
      list.appendChild(el("li", {}, el("button", {
        type: "button",
        class: "topic",
        "aria-pressed": String(name === current),
        on: { click: () => chooseTopic(name) },
        title: typeof t === "object" && t.definition ? t.definition : null,
      },
      el("span", { class: "topic-name", text: name }),
      abbr.length ? el("span", { class: "topic-abbr", text: abbr.join(", ") }) : null,
      auths.length ? el("span", { class: "topic-count", text: `${auths.length} authorit${auths.length === 1 ? "y" : "ies"}` })
        : count ? el("span", { class: "topic-count", text: `${count}` }) : null)));
    }
    $("#topic-count").textContent = `${shown} of ${state.topics.length} topics`;
  }

  function chooseTopic(name) {
    $("#compare-topic").value = name;
    renderTopicList();
    runCompare();
  }

  async function initCompare() {
    try {
      if (!state.topics.length) await loadTopics();
      fillDatalist($("#topic-options"), state.topics.map(topicName));
      renderTopicList();
    } catch (err) {
      clear($("#topic-list")).appendChild(el("li", {}, errorNode(err, "Could not load topics:")));
    }
  }

  $("#topic-search").addEventListener("input", renderTopicList);
  $("#topic-search").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      const first = $("#topic-list button");
      if (first) first.click();
    }
  });
  $("#compare-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runCompare();
  });
  $("#compare-csv").addEventListener("click", downloadCompareCsv);

  async function runCompare() {
    const topic = $("#compare-topic").value.trim();
    const cohort = $("#compare-cohort").value.trim();
    const out = clear($("#compare-result"));
    if (!topic) {
      out.appendChild(el("p", { class: "notice", text: "Choose a topic first." }));
      return;
    }
    out.appendChild(el("p", { class: "muted", text: `Comparing “${topic}”…` }));
    $("#compare-csv").disabled = true;
    try {
      const unverified = $("#compare-unverified").checked ? "true" : "";
      const data = await api("/api/compare" + qs({ topic, cohort, include_unverified: unverified }));
      state.lastCompare = data;
      clear(out);
      renderCompare(out, data);
      $("#compare-csv").disabled = false;
    } catch (err) {
      state.lastCompare = null;
      clear(out).appendChild(errorNode(err, "Could not compare:"));
    }
  }

  function asNames(v) {
    if (!v) return [];
    return Array.isArray(v) ? v : [v];
  }

  /** The duty a row is about, as the server names it (the extractor's label, else the topic). */
  function rowLabel(row) {
    return row.label || row.cohort || "";
  }

  /** What sets a row apart from the others on the topic: phase, cohort, qualifiers, the event it runs from. */
  function rowDetails(row) {
    return [
      row.phase ? `${row.phase}` : null,
      row.cohort || "cohort not stated",
      ...listOf(row.qualifiers),
      row.anchor ? `from ${row.anchor}` : null,
    ].filter(Boolean);
  }

  function compareAuthorities(data) {
    const auths = listOf(data.authorities).slice();
    for (const row of listOf(data.rows)) {
      for (const a of Object.keys(row.cells || {})) if (!auths.includes(a)) auths.push(a);
    }
    return auths;
  }

  function renderCompare(out, data) {
    const auths = compareAuthorities(data);
    const rows = listOf(data.rows);
    const gaps = asNames(data.gaps);
    for (const note of listOf(data.notes)) out.appendChild(el("p", { class: "notice compare-note", text: note }));
    out.appendChild(el("h3", { class: "compare-title" }, data.topic || "", data.cohort ? el("span", { class: "muted", text: ` · ${data.cohort}` }) : null));
    if (gaps.length) {
      out.appendChild(el("p", { class: "gaps" }, el("strong", { text: "No standard found: " }), gaps.join(", ")));
    }
    if (!rows.length) {
      out.appendChild(el("p", { class: "notice", text: "No authority has a standard on this topic in the ingested documents." }));
      return;
    }
    const table = el("table", { class: "compare-table" });
    table.appendChild(el("caption", { class: "visually-hidden", text: `Timescales for ${data.topic} by authority` }));
    const headRow = el("tr", {}, el("th", { scope: "col", text: "Duty" }));
    // The national column: shown only when a row's duty is a national duty (never an authority's figure).
    const withNational = rows.some((r) => r.national);
    if (withNational) headRow.appendChild(el("th", { scope: "col", class: "national-col", text: NATIONAL_LABEL }));
    auths.forEach((a) => headRow.appendChild(el("th", { scope: "col", class: "auth-col", text: a })));
    table.appendChild(el("thead", {}, headRow));
    const tbody = el("tbody");
    for (const row of rows) {
      const tr = el("tr", { dataset: { row: row.key || "" } });
      tr.appendChild(el("th", { scope: "row", class: "req" },
        el("span", { class: "req-kind", text: row.kind === "frequency" ? "how often" : "deadline" }),
        el("span", { class: "req-label", text: rowLabel(row) }),
        ...rowDetails(row).map((d) => el("span", { class: "req-detail", text: d }))));
      if (withNational) tr.appendChild(nationalCompareCell(row.national));
      const strictest = asNames(row.strictest);
      const lenient = asNames(row.most_lenient);
      for (const a of auths) {
        const entries = listOf((row.cells || {})[a]);
        const td = el("td", { dataset: { authority: a } });
        if (!entries.length) {
          td.classList.add("gap");
          td.appendChild(el("span", { class: "no-standard", text: "No standard found" }));
        } else {
          if (strictest.includes(a)) td.classList.add("strictest");
          if (lenient.includes(a) && !(strictest.includes(a) && strictest.length === auths.length)) td.classList.add("lenient");
          if (strictest.includes(a)) td.appendChild(el("span", { class: "badge badge-strict", text: "Strictest" }));
          if (lenient.includes(a) && !strictest.includes(a)) td.appendChild(el("span", { class: "badge badge-lenient", text: "Most lenient" }));
          for (const entry of entries) td.appendChild(compareEntry(entry, a, row));
        }
        if (row.national) td.appendChild(verdictNote(row, a));
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    out.appendChild(el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Comparison table" }, table));
    const charts = renderCharts(rows, auths);
    if (charts) out.appendChild(charts);
  }

  const NATIONAL_LABEL = "National (statutory guidance)";
  const NATIONAL_VERDICTS = {
    stricter: "Stricter than national",
    same: "Same as national",
    looser: "Looser than national",
    silent: "Silent: national applies",
    not_comparable: "Not compared with national",
  };

  /** The row's national figure, its source and the wording it rests on; flagged when unverified. */
  function nationalCompareCell(national) {
    if (!national) {
      return el("td", { class: "national-cell none" }, el("span", { class: "muted", text: "No national figure shown for this duty" }));
    }
    return el("td", { class: "national-cell" },
      el("span", { class: "national-tag", text: national.label || NATIONAL_LABEL }),
      national.verified === false ? el("span", { class: "badge badge-unverified", text: "Not verified against its source" }) : null,
      el("p", { class: "entry-figure", text: national.description || "" }),
      el("p", { class: "national-source", text: national.source || "" }),
      el("details", { class: "national-wording" },
        el("summary", { text: "Wording" }),
        el("blockquote", { class: "quote", text: national.quote || "" }),
        national.url ? el("a", { href: national.url, target: "_blank", rel: "noopener noreferrer", text: "Where it was read" }) : null));
  }

  /** An authority's verdict against the row's national figure, with both figures in words. */
  function verdictNote(row, authority) {
    const verdict = (row.verdicts || {})[authority];
    const why = (row.national_explanations || {})[authority] || "";
    // A red flag, a figure not compared or one compared in another row says why in full; the
    // others carry it as a tooltip (both figures and the conversion, when there is one).
    const spelled = !["stricter", "same", "silent"].includes(verdict) || /approximately/.test(why);
    return el("div", { class: `national-verdict verdict-${verdict || "elsewhere"}`, title: why },
      el("span", { class: `verdict-tag verdict-${verdict || "elsewhere"}`, text: NATIONAL_VERDICTS[verdict] || "Compared in another row" }),
      why && spelled ? el("p", { class: "hint verdict-why", text: why }) : null);
  }

  /** One authority's figure: the server's description, the words as written, days, and the cited clause. */
  function compareEntry(entry, authority, row) {
    const range = daysRange(entry.approx_days);
    const cite = Object.assign({ authority }, entry.citation || {});
    if (!cite.text && entry.text) cite.text = entry.text;
    if (!cite.label && entry.citation_label) cite.label = entry.citation_label;
    // The cell's own duty words, when they differ from the row's label.
    const own = entry.duty && entry.duty !== rowLabel(row) ? entry.duty : null;
    return el("div", { class: "entry" },
      el("p", { class: "entry-figure", text: entry.description || "" }),
      entry.phrase ? el("p", { class: "entry-phrase", text: `“${entry.phrase}”` }) : null,
      own ? el("p", { class: "entry-duty", text: own }) : null,
      range ? el("p", { class: "entry-days", text: daysLabel(range) }) : null,
      entry.cohort && entry.cohort !== row.cohort ? el("p", { class: "entry-cohort", text: entry.cohort }) : null,
      citationChip(cite, { phrases: [entry.quote, entry.phrase] }));
  }

  /** Small horizontal bar charts of normalised days, one per row where two or more authorities compare. */
  function renderCharts(rows, auths) {
    const wrap = el("section", { class: "charts", "aria-label": "Normalised days" });
    let count = 0;
    for (const row of rows) {
      const bars = [];
      for (const a of auths) {
        const entries = listOf((row.cells || {})[a]);
        const ranges = entries.map((e) => daysRange(e.approx_days)).filter(Boolean);
        if (!ranges.length) continue;
        // The authority's loosest figure in the row: what it guarantees, and what the server's
        // strictest / most lenient marks compare.
        ranges.sort((x, y) => y[1] - x[1]);
        bars.push({ authority: a, range: ranges[0] });
      }
      if (bars.length < 2) continue;
      wrap.appendChild(barChart([rowLabel(row), ...rowDetails(row)].join(" — "), bars));
      count++;
      if (count >= 8) break;
    }
    if (!count) return null;
    wrap.insertBefore(el("h3", { class: "small-heading", text: "Normalised days (approximate calendar days; shorter is stricter)" }), wrap.firstChild);
    return wrap;
  }

  function barChart(title, bars) {
    const width = 360, rowH = 28, labelW = 96, valueW = 84, top = 6;
    const height = top * 2 + rowH * bars.length;
    const max = Math.max(...bars.map((b) => b.range[1]), 1);
    const scale = (width - labelW - valueW) / max;
    const summary = bars.map((b) => `${b.authority} ${daysLabel(b.range)}`).join("; ");
    const titleId = uid("chart");
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-labelledby": titleId, preserveAspectRatio: "xMinYMin meet" },
      svgEl("title", { id: titleId }, `${title}: ${summary}`));
    bars.forEach((b, i) => {
      const y = top + i * rowH;
      svg.appendChild(svgEl("text", { x: labelW - 8, y: y + rowH / 2 + 4, "text-anchor": "end", class: "chart-label" }, b.authority));
      const w = Math.max(2, b.range[0] * scale);
      svg.appendChild(svgEl("rect", { x: labelW, y: y + 5, width: w, height: rowH - 10, class: "chart-bar", rx: 3 }));
      if (b.range[1] > b.range[0]) {
        svg.appendChild(svgEl("rect", { x: labelW + w, y: y + 5, width: Math.max(1, (b.range[1] - b.range[0]) * scale), height: rowH - 10, class: "chart-range", rx: 3 }));
      }
      svg.appendChild(svgEl("text", { x: labelW + b.range[1] * scale + 6, y: y + rowH / 2 + 4, class: "chart-value" }, daysLabel(b.range).replace("≈ ", "")));
    });
    return el("figure", { class: "chart-figure" }, svg, el("figcaption", { text: title }));
  }

  /** Spreadsheet programs run cells that start with = + - @ as formulas; quote them as text. */
  function csvCell(v) {
    let s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  function compareCsv(data) {
    const header = ["topic", "duty", "kind", "phase", "cohort", "qualifiers", "anchor", "authority", "timescale", "approx_days_min",
      "approx_days_max", "strictest", "most_lenient", "source", "document", "section", "clause", "page", "quote",
      "national_figure", "national_source", "national_verified", "national_quote", "verdict_against_national", "national_explanation"];
    const lines = [header];
    const auths = compareAuthorities(data);
    // The national figure is its own set of columns, labelled national: never an authority's figure.
    const national = (row, a) => row.national
      ? [row.national.description, row.national.source, row.national.verified === false ? "no" : "yes", row.national.quote,
        (row.verdicts || {})[a] || "", (row.national_explanations || {})[a] || ""]
      : ["", "", "", "", "", ""];
    const none = (row, a) => [data.topic, rowLabel(row), row.kind, row.phase, row.cohort, listOf(row.qualifiers).join("; "), row.anchor, a,
      "no standard found", "", "", "", "", "", "", "", "", "", "", ...national(row, a)];
    for (const row of listOf(data.rows)) {
      const strictest = asNames(row.strictest);
      const lenient = asNames(row.most_lenient);
      for (const a of auths) {
        const entries = listOf((row.cells || {})[a]);
        if (!entries.length) {
          lines.push(none(row, a));
          continue;
        }
        for (const e of entries) {
          const range = daysRange(e.approx_days);
          const c = normCite(Object.assign({ authority: a }, e.citation || {}));
          lines.push([data.topic, rowLabel(row), row.kind, row.phase, row.cohort, listOf(row.qualifiers).join("; "), row.anchor, a,
            e.description, range ? range[0] : "", range ? range[1] : "",
            strictest.includes(a) ? "yes" : "", lenient.includes(a) ? "yes" : "",
            c.label, c.document, c.section, c.clause_ref, c.page, e.text || c.text || c.quote, ...national(row, a)]);
        }
      }
    }
    for (const g of asNames(data.gaps)) lines.push([data.topic, "", "", "", "", "", "", g, "no standard found", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""]);
    return lines.map((l) => l.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }

  function downloadBlob(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: filename, class: "visually-hidden" }, filename);
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function slug(s) {
    return String(s || "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "export";
  }

  function downloadCompareCsv() {
    const data = state.lastCompare;
    if (!data) return;
    const name = `compare-${slug(data.topic)}${data.cohort ? "-" + slug(data.cohort) : ""}.csv`;
    // BOM so spreadsheet programs read the UTF-8 quotes and dashes correctly.
    downloadBlob(new Blob(["\ufeff" + compareCsv(data)], { type: "text/csv;charset=utf-8" }), name);
  }

  // ---------------------------------------------------------------------------------------
  // Documents
  // ---------------------------------------------------------------------------------------
  async function renderDocumentList() {
    const box = clear($("#documents-list"));
    box.appendChild(el("p", { class: "muted", text: "Loading documents…" }));
    try {
      await loadDocuments();
    } catch (err) {
      clear(box).appendChild(errorNode(err, "Could not list documents:"));
      return;
    }
    clear(box);
    fillDatalist($("#authority-options"), state.authorities);
    if (!state.documents.length) {
      box.appendChild(el("p", { class: "notice", text: "No documents yet. Run `standards ingest corpus/`, or upload one below with the admin token." }));
      return;
    }
    const totals = state.documents.reduce((acc, d) => {
      acc.clauses += d.clause_count || 0;
      acc.obligations += d.obligation_count || 0;
      return acc;
    }, { clauses: 0, obligations: 0 });
    box.appendChild(el("p", { class: "muted", text: `${state.documents.length} documents from ${state.authorities.length} authorities · ${totals.clauses} clauses · ${totals.obligations} timescales` }));
    const table = el("table", { class: "doc-table" });
    table.appendChild(el("thead", {}, el("tr", {},
      ["Document", "Authority", "Version", "Clauses", "Timescales", "Pages", ""].map((h) => el("th", { scope: "col", text: h })))));
    const tbody = el("tbody");
    for (const d of state.documents) {
      const actions = el("td", { class: "actions" });
      if (state.adminToken) actions.appendChild(removeButton(d));
      tbody.appendChild(el("tr", {},
        el("td", {}, el("a", { href: `#doc/${encodeURIComponent(d.id)}`, class: "doc-link", text: d.title || d.id }),
          el("span", { class: "doc-source", text: `${d.source_name || d.id} · ${(d.source_format || "").toUpperCase()}` }),
          el("a", { href: `#changes/doc/${encodeURIComponent(d.id)}`, class: "history-link", text: "History" })),
        el("td", { text: d.authority }),
        el("td", { text: [d.version, d.date].filter(Boolean).join(" · ") || "—" }),
        el("td", { class: "num", text: d.clause_count ?? "—" }),
        el("td", { class: "num", text: d.obligation_count ?? "—" }),
        el("td", { class: "num", text: d.page_count ?? "—" }),
        actions));
    }
    table.appendChild(tbody);
    box.appendChild(el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Documents" }, table));
    renderAuthoritySelects();
  }

  function removeButton(doc) {
    const holder = el("span", { class: "remove" });
    const status = el("span", { class: "status", role: "status" });
    const start = el("button", { type: "button", class: "danger small", "aria-label": `Remove ${doc.title}` }, "Remove");
    start.addEventListener("click", () => {
      clear(holder);
      const confirm = el("button", { type: "button", class: "danger small", "aria-label": `Confirm: remove ${doc.title}` }, "Confirm remove");
      const cancel = el("button", { type: "button", class: "secondary small" }, "Cancel");
      cancel.addEventListener("click", () => holder.replaceWith(removeButton(doc)));
      confirm.addEventListener("click", async () => {
        confirm.disabled = true;
        try {
          const accepted = await api("/api/documents/" + encodeURIComponent(doc.id), { method: "DELETE", token: state.adminToken });
          await followJob(accepted && accepted.job, (job) => setStatus(status, jobProgressNode(job, `Removing “${doc.title}”`), false));
          await refreshAfterChange();
          setStatus($("#upload-status"), `Removed “${doc.title}”.`, false);
        } catch (err) {
          confirm.disabled = false;
          clear(status).appendChild(errorNode(err));
        }
      });
      holder.append(confirm, " ", cancel, status);
      confirm.focus();
    });
    holder.appendChild(start);
    return holder;
  }

  async function refreshAfterChange() {
    await renderDocumentList();
    renderAuthorityFilter();
    state.topics = [];
    loaded.compare = false;
  }

  // Background jobs (uploads, removals): poll GET /api/jobs/{id} until the job has finished.
  const JOB_POLL_MS = 1000;

  async function followJob(job, onProgress) {
    let current = job;
    while (current && current.status !== "succeeded" && current.status !== "failed") {
      if (onProgress) onProgress(current);
      await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
      current = await api(current.location || "/api/jobs/" + encodeURIComponent(current.id), { token: state.adminToken });
    }
    if (current && current.status === "failed") {
      const error = current.error || {};
      throw new ApiError(error.status || 0, error.code || "job_failed", error.message || "The job failed.");
    }
    return current;
  }

  function jobProgressNode(job, label) {
    const pct = Math.round(100 * (Number(job.progress) || 0));
    const stage = job.status === "queued" ? "waiting for the worker" : (job.stage || job.status);
    return el("span", { class: "job-progress" },
      `${label}: ${stage} (${pct}%)… `,
      el("progress", { max: "100", value: String(pct), "aria-label": `${label}: ${pct}%` }));
  }

  function setStatus(node, message, isError) {
    clear(node);
    node.classList.toggle("error", Boolean(isError));
    if (message instanceof Node) node.appendChild(message);
    else node.textContent = message;
  }

  $("#admin-token").addEventListener("input", (ev) => {
    state.adminToken = ev.target.value.trim();
    // Show or hide the remove buttons without refetching.
    document.querySelectorAll(".doc-table tbody tr").forEach((tr, i) => {
      const cell = tr.querySelector(".actions");
      clear(cell);
      if (state.adminToken && state.documents[i]) cell.appendChild(removeButton(state.documents[i]));
    });
  });

  $("#token-form").addEventListener("submit", (ev) => ev.preventDefault());

  $("#upload-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = $("#upload-status");
    const file = $("#upload-file").files[0];
    const authority = $("#upload-authority").value.trim();
    if (!state.adminToken) {
      setStatus(status, "Enter the admin token first.", true);
      $("#admin-token").focus();
      return;
    }
    if (!file || !authority) {
      setStatus(status, "Choose a file and give its authority.", true);
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("authority", authority);
    const title = $("#upload-title").value.trim();
    if (title) form.append("title", title);
    $("#upload-submit").disabled = true;
    setStatus(status, `Uploading “${file.name}”…`, false);
    try {
      // The server answers 202 with a background job; follow it until the document is indexed.
      const accepted = await api("/api/documents", { method: "POST", form, token: state.adminToken });
      const job = await followJob(accepted && accepted.job,
        (j) => setStatus(status, jobProgressNode(j, `Indexing “${file.name}”`), false));
      const saved = (job && job.result) || {};
      const outcome = String(saved.status || "added");
      setStatus(status, `${outcome[0].toUpperCase() + outcome.slice(1)}: “${title || file.name}” (${job.authority || authority})` +
        (saved.clause_count ? ` — ${saved.clause_count} clauses.` : ".") +
        (job.notes && job.notes.length ? " " + job.notes.join(" ") : ""), false);
      $("#upload-form").reset();
      await refreshAfterChange();
    } catch (err) {
      setStatus(status, errorNode(err, "Upload refused:"), true);
    } finally {
      $("#upload-submit").disabled = false;
    }
  });

  $("#document-back").addEventListener("click", () => {
    location.hash = "documents";
  });

  function closeDocument() {
    $("#document-view").hidden = true;
    $("#documents-list-panel").hidden = false;
  }

  let openDocId = null;

  async function openDocument(docId, clauseId) {
    $("#documents-list-panel").hidden = true;
    $("#document-view").hidden = false;
    const body = $("#document-body");
    if (openDocId === docId && body.dataset.ready === "1") {
      if (clauseId) focusClause(clauseId);
      return;
    }
    openDocId = docId;
    body.dataset.ready = "0";
    clear(body).appendChild(el("p", { class: "muted", text: "Loading the document…" }));
    try {
      if (!state.documents.length) await loadDocuments().catch(() => null);
      const data = await api("/api/documents/" + encodeURIComponent(docId));
      const doc = data.document || state.documentsById.get(docId) || { id: docId };
      let obligations = data.obligations;
      if (!Array.isArray(obligations)) {
        obligations = listOf(await api("/api/obligations" + qs({ document: docId })).catch(() => []), "obligations");
      }
      let conflicts = data.conflicts;
      if (!Array.isArray(conflicts)) {
        conflicts = listOf(await api("/api/conflicts" + qs({ authority: doc.authority })).catch(() => []), "conflicts");
      }
      clear(body);
      renderDocument(body, doc, data, obligations, conflicts);
      body.dataset.ready = "1";
      if (clauseId) focusClause(clauseId);
      else $("#document-title").focus();
    } catch (err) {
      clear(body).appendChild(errorNode(err, "Could not open the document:"));
    }
  }

  function focusClause(clauseId) {
    const node = document.getElementById("clause-" + clauseId);
    if (!node) return;
    document.querySelectorAll(".clause.target").forEach((n) => n.classList.remove("target"));
    node.classList.add("target");
    node.scrollIntoView({ block: "center" });
    node.focus({ preventScroll: true });
  }

  /** Sections with their clauses, whichever way the structure endpoint nests them. */
  function documentSections(data) {
    const sections = listOf(data.sections);
    if (sections.length && sections.some((s) => Array.isArray(s.clauses))) return sections;
    const clauses = listOf(data.clauses);
    const out = [];
    let current = null;
    for (const c of clauses) {
      const path = (c.heading_path || []).join(" › ");
      if (!current || current.key !== path) {
        current = { key: path, heading_path: c.heading_path || [], clauses: [] };
        out.push(current);
      }
      current.clauses.push(c);
    }
    return out;
  }

  function renderDocument(body, doc, data, obligations, conflicts) {
    const obsByClause = new Map();
    for (const ob of obligations) {
      if (!obsByClause.has(ob.clause_id)) obsByClause.set(ob.clause_id, []);
      obsByClause.get(ob.clause_id).push(ob);
    }
    // Which clauses of this document take part in a conflict, and with what.
    const conflictByClause = new Map();
    const docConflicts = [];
    for (const c of conflicts) {
      const obs = listOf(c.obligations);
      if (!obs.some((o) => o.document_id === doc.id || obsByClause.has(o.clause_id))) continue;
      docConflicts.push(c);
      for (const o of obs) {
        if (!conflictByClause.has(o.clause_id)) conflictByClause.set(o.clause_id, []);
        conflictByClause.get(o.clause_id).push(c);
      }
    }

    body.appendChild(el("h2", { id: "document-title", tabindex: "-1", text: doc.title || doc.id }));
    body.appendChild(metaList([
      ["Authority", doc.authority],
      ["Version", doc.version],
      ["Date", doc.date],
      ["Source", doc.source_name ? `${doc.source_name} (${(doc.source_format || "").toUpperCase()})` : null],
      ["Clauses", doc.clause_count],
      ["Timescales", obligations.length],
      ["Pages", doc.page_count],
    ]));
    if (doc.notes) body.appendChild(el("p", { class: "muted", text: doc.notes }));

    if (docConflicts.length) {
      // A long list would bury the document: it opens on request (the clauses stay flagged).
      const box = el("details", { class: "conflict conflict-list", open: docConflicts.length <= 3 });
      box.appendChild(el("summary", { class: "small-heading" }, el("span", { class: "icon", "aria-hidden": "true", text: "!" }),
        `${docConflicts.length} conflict${docConflicts.length === 1 ? "" : "s"} in ${doc.authority}'s standards involving this document`));
      const ul = el("ul");
      for (const c of docConflicts) {
        const sides = listOf(c.obligations).map((o) => el("a", { href: `#doc/${encodeURIComponent(o.document_id || doc.id)}/${encodeURIComponent(o.clause_id)}`, class: "conflict-link" },
          obligationRef(o)));
        ul.appendChild(el("li", {}, `${c.topic || ""}${c.cohort ? " — " + c.cohort : ""}: `, joinNodes(sides, " vs "), c.reason ? el("span", { class: "muted", text: ` — ${c.reason}` }) : null));
      }
      box.appendChild(ul);
      body.appendChild(box);
    }

    const controls = el("div", { class: "doc-controls" });
    const onlyId = uid("only"), rawId = uid("raw");
    const only = el("input", { type: "checkbox", id: onlyId });
    const raw = el("input", { type: "checkbox", id: rawId });
    controls.append(
      el("span", { class: "chip-check" }, only, el("label", { for: onlyId, text: "Only clauses with timescales" })),
      el("span", { class: "chip-check" }, raw, el("label", { for: rawId, text: "Show text exactly as written (markup visible)" })),
      el("span", { class: "legend" }, el("mark", { class: "hl", text: "timescale" }), " ", el("span", { class: "badge badge-conflict", text: "conflict" })));
    body.appendChild(controls);

    const sections = documentSections(data);
    const outline = el("details", { class: "outline" }, el("summary", { text: `Contents (${sections.length} sections)` }));
    const outlineList = el("ol");
    outline.appendChild(outlineList);
    body.appendChild(outline);

    const textBox = el("div", { class: "doc-text" });
    sections.forEach((s, i) => {
      const path = s.heading_path || [];
      const secId = `sec-${i}`;
      const level = Math.min(6, 2 + Math.max(1, path.length));
      const sec = el("section", { class: "doc-section", "aria-labelledby": secId });
      sec.appendChild(el("h" + level, { id: secId, class: "section-heading", tabindex: "-1" },
        path.length > 1 ? el("span", { class: "section-parent", text: path.slice(0, -1).join(" › ") + " › " }) : null,
        path[path.length - 1] || "(untitled section)"));
      const clauses = listOf(s.clauses);
      let withObs = 0;
      for (const c of clauses) {
        const obs = obsByClause.get(c.id) || [];
        if (obs.length) withObs++;
        sec.appendChild(renderClause(c, obs, conflictByClause.get(c.id) || []));
      }
      if (withObs === 0) sec.classList.add("no-obligations");
      textBox.appendChild(sec);
      outlineList.appendChild(el("li", { class: "outline-" + Math.min(4, path.length || 1) },
        el("a", {
          href: `#doc/${encodeURIComponent(doc.id)}`,
          on: { click: (ev) => { ev.preventDefault(); const h = document.getElementById(secId); h.scrollIntoView(); h.focus({ preventScroll: true }); } },
        }, path[path.length - 1] || "(untitled)", withObs ? el("span", { class: "muted", text: ` · ${withObs}` }) : null)));
    });
    body.appendChild(textBox);

    only.addEventListener("change", () => textBox.classList.toggle("only-obligations", only.checked));
    raw.addEventListener("change", () => {
      textBox.querySelectorAll(".clause").forEach((node) => {
        const c = node._clause;
        const t = node.querySelector(".clause-text");
        clear(t).appendChild(clauseText(c, node._obs, raw.checked));
      });
    });
  }

  /** One side of a conflict: the server's description and the citation label of its clause. */
  function obligationRef(ob) {
    const where = ob.citation && ob.citation.label ? ob.citation.label : "";
    return where ? `${ob.description || ""} (${where})` : ob.description || "";
  }

  function joinNodes(nodes, sep) {
    const out = [];
    nodes.forEach((n, i) => {
      if (i) out.push(sep);
      out.push(n);
    });
    return out;
  }

  /** The clause text with each obligation's timescale phrase highlighted. */
  function clauseText(c, obs, asWritten) {
    const text = asWritten ? c.text || c.plain_text || "" : c.plain_text || c.text || "";
    const spans = [];
    for (const ob of obs) {
      const ts = ob.timescale || {};
      let at = null;
      if (asWritten) {
        // Offsets first: the timescale span is relative to the verbatim clause text.
        if (typeof ts.start === "number" && text.slice(ts.start, ts.end) === ts.phrase) at = [ts.start, ts.end];
        else if (ob.citation && typeof ob.citation.start === "number" && typeof c.start === "number") {
          const s = ob.citation.start - c.start, e = ob.citation.end - c.start;
          if (s >= 0 && e <= text.length && e > s) at = [s, e];
        }
      }
      if (!at) at = findPhrase(text, ts.phrase);
      const label = [ob.description, ob.duty, ob.cohort].filter(Boolean).join(" · ") || "timescale";
      if (at) spans.push({ start: at[0], end: at[1], cls: "hl", label });
    }
    return highlighted(text, spans);
  }

  function renderClause(c, obs, conflicts) {
    const node = el("article", {
      class: "clause" + (obs.length ? " has-obligations" : "") + (conflicts.length ? " in-conflict" : ""),
      id: "clause-" + c.id,
      tabindex: "-1",
    });
    node._clause = c;
    node._obs = obs;
    node.appendChild(el("p", { class: "clause-meta" },
      c.clause_ref ? el("span", { class: "clause-ref", text: c.clause_ref }) : null,
      c.page ? el("span", { class: "muted", text: `p. ${c.page}` }) : null,
      c.cohort_context ? el("span", { class: "context-tag", text: c.cohort_context }) : null,
      c.role_context ? el("span", { class: "context-tag role", text: c.role_context }) : null,
      conflicts.length ? el("span", { class: "badge badge-conflict", text: "conflict" }) : null));
    node.appendChild(el("p", { class: "clause-text" }, clauseText(c, obs, false)));
    if (obs.length) {
      const ul = el("ul", { class: "ob-list" });
      obs.forEach((ob) => ul.appendChild(el("li", {}, obligationSummary(ob))));
      node.appendChild(ul);
    }
    for (const cf of conflicts) {
      const other = listOf(cf.obligations).filter((o) => o.clause_id !== c.id);
      node.appendChild(el("p", { class: "conflict-note" },
        el("strong", { text: "Conflicts with: " }),
        joinNodes(other.map((o) => el("a", { href: `#doc/${encodeURIComponent(o.document_id)}/${encodeURIComponent(o.clause_id)}` },
          obligationRef(o))), ", "),
        cf.reason ? ` — ${cf.reason}` : ""));
    }
    return node;
  }

  // ---------------------------------------------------------------------------------------
  // Trainers: induction pack
  // ---------------------------------------------------------------------------------------
  function renderAuthoritySelects() {
    const select = $("#induction-authority");
    const current = select.value;
    clear(select);
    for (const a of state.authorities) select.appendChild(el("option", { value: a, text: a }));
    if (current && state.authorities.includes(current)) select.value = current;
  }

  async function initTrainers() {
    try {
      if (!state.documents.length) await loadDocuments();
      renderAuthoritySelects();
      if (!state.topics.length) await loadTopics().catch(() => null);
      if (!state.roles.length) {
        // No role list from /api/topics: offer the actors the extractor found.
        const obs = listOf(await api("/api/obligations").catch(() => []), "obligations");
        state.roles = unique(obs.map((o) => o.actor)).sort();
        fillDatalist($("#role-options"), state.roles);
      }
    } catch (err) {
      setStatus($("#induction-status"), errorNode(err, "Could not load authorities:"), true);
    }
  }

  function filenameFrom(response, fallback) {
    const cd = response.headers.get("Content-Disposition") || "";
    const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (star) return decodeURIComponent(star[1]);
    const plain = /filename="?([^";]+)"?/i.exec(cd);
    return plain ? plain[1] : fallback;
  }

  $("#induction-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = $("#induction-status");
    const role = $("#induction-role").value.trim();
    const authority = $("#induction-authority").value;
    const cohort = $("#induction-cohort").value.trim();
    const format = $("#induction-format").value;
    if (!role) {
      setStatus(status, "Give a role, e.g. social worker.", true);
      $("#induction-role").focus();
      return;
    }
    $("#induction-submit").disabled = true;
    setStatus(status, "Building the pack…", false);
    try {
      const response = await api("/api/export/induction" + qs({ authority, role, cohort, format }), { raw: true });
      const blob = await response.blob();
      const name = filenameFrom(response, `induction-${slug(authority)}-${slug(role)}.${format}`);
      downloadBlob(blob, name);
      setStatus(status, `Downloaded ${name} (${Math.max(1, Math.round(blob.size / 1024))} KB).`, false);
    } catch (err) {
      setStatus(status, errorNode(err, "Could not build the pack:"), true);
    } finally {
      $("#induction-submit").disabled = false;
    }
  });

  // ---------------------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------------------
  async function start() {
    renderConversation();
    route();
    try {
      await loadDocuments();
      renderAuthorityFilter();
      renderAuthoritySelects();
      fillDatalist($("#authority-options"), state.authorities);
    } catch (err) {
      clear($("#ask-authorities")).appendChild(errorNode(err, "Could not load authorities:"));
    }
    document.documentElement.dataset.ready = "1";
  }

  start();
})();
