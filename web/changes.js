/*
 * Standards Assistant — what changed, and what is not answered.
 *
 * Views registered with app.js (window.StandardsViews): "changes" (an authority's amendments log;
 * #changes/doc/<id> a document's history between two of its versions) and "gaps" (the top
 * unanswered topics, admin token). A hook (window.StandardsHooks.answer) adds a "Not helpful"
 * control to each answer when the server's question log is on.
 *
 * Loaded before app.js; uses app.js's helpers (window.StandardsApp) only once views run. Like
 * app.js, every server or user text goes in with textContent (el()); innerHTML is never used.
 */
"use strict";

(function () {
  const views = (window.StandardsViews = window.StandardsViews || {});
  const hooks = (window.StandardsHooks = window.StandardsHooks || {});
  const A = () => window.StandardsApp;

  const KIND_WORD = {
    changed: "Changed", added: "Added", removed: "Removed", reworded: "Reworded", moved: "Moved", renumbered: "Renumbered", renamed: "Renamed",
  };
  const COUNT_WORDS = [
    ["obligations_changed", "figure or duty changed", "figures or duties changed"],
    ["obligations_added", "duty added", "duties added"],
    ["obligations_removed", "duty removed", "duties removed"],
    ["clauses_reworded", "clause reworded", "clauses reworded"],
    ["clauses_added", "clause added", "clauses added"],
    ["clauses_removed", "clause removed", "clauses removed"],
    ["clauses_moved", "clause moved", "clauses moved"],
    ["clauses_renumbered", "clause renumbered", "clauses renumbered"],
    ["clauses_renamed", "section renamed", "sections renamed"],
  ];

  function countsLine(counts) {
    const parts = [];
    for (const [key, one, many] of COUNT_WORDS) {
      const n = (counts || {})[key] || 0;
      if (n) parts.push(`${n} ${n === 1 ? one : many}`);
    }
    return parts.join(" · ") || "No clause's text changed";
  }

  function diffNode(parts) {
    const { el } = A();
    const node = el("p", { class: "diff" });
    (parts || []).forEach((p, i) => {
      if (i) node.appendChild(document.createTextNode(" "));
      if (p.op === "delete") node.appendChild(el("del", { text: p.text }));
      else if (p.op === "insert") node.appendChild(el("ins", { text: p.text }));
      else node.appendChild(document.createTextNode(p.text));
    });
    return node;
  }

  function citeLine(label, side, report, current) {
    const { el } = A();
    if (!side) return null;
    const clause = side.clause || side;
    // Clauses of the current version open in the Documents view; older ones are quoted here.
    const link = current
      ? el("a", { href: `#doc/${encodeURIComponent(report.document_id)}/${encodeURIComponent(clause.clause_id)}`, text: clause.citation })
      : el("span", { text: clause.citation });
    return el("span", { class: "change-cite" }, `${label}: `, link);
  }

  /** One change report: obligations (the figures) first, then clauses. */
  function renderReport(report) {
    const { el } = A();
    const box = el("div", { class: "report" });
    const current = report.to && report.to.is_current;
    const obligations = report.obligations || [];
    if (obligations.length) {
      box.appendChild(el("h4", { class: "small-heading", text: "Timescales and duties" }));
      const ul = el("ul", { class: "change-list obligation-changes" });
      for (const ob of obligations) {
        ul.appendChild(el("li", { class: "change", dataset: { kind: ob.kind } },
          el("span", { class: `change-kind kind-${ob.kind}`, text: KIND_WORD[ob.kind] || ob.kind }),
          el("span", { class: "change-summary", text: ob.summary }),
          citeLine("was", ob.old, report, false),
          citeLine("now", ob.new, report, current)));
      }
      box.appendChild(ul);
    }
    const clauses = report.clauses || [];
    if (clauses.length) {
      const details = el("details", { class: "clause-changes", open: obligations.length ? null : true });
      details.appendChild(el("summary", { text: `Clauses (${clauses.length})` }));
      const ul = el("ul", { class: "change-list" });
      for (const c of clauses) {
        const side = c.new || c.old;
        const li = el("li", { class: "change", dataset: { kind: c.kind } },
          el("span", { class: `change-kind kind-${c.kind}`, text: KIND_WORD[c.kind] || c.kind }),
          el("span", { class: "change-summary", text: c.kind === "reworded" ? side.citation : c.summary }));
        if (c.kind === "reworded") li.appendChild(diffNode(c.diff));
        else li.appendChild(citeLine(c.kind === "removed" ? "was" : "now", side, report, c.new ? current : false));
        if (c.kind === "moved" && c.old) li.appendChild(citeLine("was", c.old, report, false));
        ul.appendChild(li);
      }
      details.appendChild(ul);
      box.appendChild(details);
    }
    if (!obligations.length && !clauses.length) box.appendChild(el("p", { class: "muted", text: "Only layout changed: every clause reads as before." }));
    return box;
  }

  // -------------------------------------------------------------------------------------
  // Amendments log
  // -------------------------------------------------------------------------------------
  async function authorities() {
    return A().authorities();
  }

  function fillSelect(select, names, blank) {
    const { el, clear } = A();
    const current = select.value;
    clear(select);
    if (blank) select.appendChild(el("option", { value: "", text: blank }));
    for (const name of names) select.appendChild(el("option", { value: name, text: name }));
    if (current && names.includes(current)) select.value = current;
  }

  async function initChanges() {
    const { $, errorNode, clear } = A();
    const select = $("#amendments-authority");
    try {
      fillSelect(select, await authorities());
    } catch (err) {
      clear($("#amendments-result")).appendChild(errorNode(err, "Could not list authorities:"));
      return;
    }
    select.addEventListener("change", () => showAmendments(select.value));
    $("#amendments-form").addEventListener("submit", (ev) => ev.preventDefault());
    if (select.value) showAmendments(select.value);
  }

  /** The amendments log or one document's history: chosen by the address (#changes, #changes/doc/<id>). */
  function showPanel(which) {
    document.getElementById("history-panel").hidden = which !== "history";
    document.getElementById("amendments-panel").hidden = which === "history";
  }

  window.addEventListener("hashchange", () => {
    if (location.hash === "#changes") showPanel("amendments");
  });

  async function showAmendments(authority) {
    const { $, el, clear, api, qs, errorNode } = A();
    const out = clear($("#amendments-result"));
    const csv = $("#amendments-csv");
    csv.hidden = !authority;
    if (!authority) return;
    csv.href = "/api/amendments" + qs({ authority, format: "csv" });
    out.appendChild(el("p", { class: "muted", text: "Comparing versions…" }));
    let data;
    try {
      data = await api("/api/amendments" + qs({ authority }));
    } catch (err) {
      clear(out).appendChild(errorNode(err, "Could not build the amendments log:"));
      return;
    }
    clear(out);
    for (const note of data.notes || []) out.appendChild(el("p", { class: "notice", text: note }));
    const entries = data.entries || [];
    if (!entries.length) out.appendChild(el("p", { class: "notice", text: `No documents are stored for ${authority}.` }));
    for (const e of entries) {
      const head = el("h3", {},
        el("a", { href: `#changes/doc/${encodeURIComponent(e.document_id)}`, text: e.title }), " — ",
        el("span", { class: "when", text: e.version.name }));
      const card = el("article", { class: "amendment", dataset: { document: e.document_id, ordinal: e.version.ordinal } }, head);
      if (e.first_version) card.appendChild(el("p", { class: "muted", text: "First version stored: nothing to compare it with." }));
      else {
        card.appendChild(el("p", { class: "muted counts", text: `${countsLine(e.changes.counts)} (since ${e.changes.from.name})` }));
        card.appendChild(renderReport(e.changes));
      }
      out.appendChild(card);
    }
  }

  // -------------------------------------------------------------------------------------
  // A document's history: #changes/doc/<id>
  // -------------------------------------------------------------------------------------
  async function showHistory(docId, from, to) {
    const { $, el, clear, api, qs, errorNode } = A();
    const body = clear($("#history-body"));
    body.appendChild(el("p", { class: "muted", text: "Loading the document's versions…" }));
    let versions;
    try {
      versions = (await api(`/api/documents/${encodeURIComponent(docId)}/versions`)).versions || [];
    } catch (err) {
      clear(body).appendChild(errorNode(err, "Could not list its versions:"));
      return;
    }
    const app = A();
    if (!app.state.documents.length) await app.loadDocuments().catch(() => null);
    const doc = app.state.documentsById.get(docId) || { id: docId, title: docId };
    clear(body);
    body.appendChild(el("h2", { id: "history-title", tabindex: "-1", text: `History: ${doc.title || docId}` }));
    const table = el("table", { class: "doc-table versions-table" },
      el("thead", {}, el("tr", {}, ["#", "Version", "Date", "Ingested", "Clauses", ""].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, versions.map((v) => el("tr", {},
        el("td", { text: v.address }), el("td", { text: v.version || "—" }), el("td", { text: v.date || "—" }),
        el("td", { text: (v.ingested_at || "").slice(0, 10) }), el("td", { class: "num", text: v.clause_count }),
        el("td", { text: v.is_current ? "current" : "" })))));
    body.appendChild(el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Versions" }, table));
    if (versions.length < 2) {
      body.appendChild(el("p", { class: "notice", text: "Only one version of this document is stored, so there is nothing to compare yet." }));
      return;
    }
    const pick = (id, label, value) => {
      const select = el("select", { id, name: id });
      for (const v of versions) select.appendChild(el("option", { value: v.address, text: `${v.address} ${v.name}` }));
      select.value = value;
      return el("div", { class: "field" }, el("label", { for: id, text: label }), select);
    };
    const last = versions[versions.length - 1].address;
    const fromField = pick("history-from", "From", from || versions[versions.length - 2].address);
    const toField = pick("history-to", "To", to || last);
    const form = el("form", { class: "history-pick" }, fromField, toField,
      el("button", { type: "submit", class: "primary", text: "Compare" }));
    const result = el("div", { id: "history-result", "aria-live": "polite" });
    body.append(form, result);
    const run = async () => {
      clear(result).appendChild(el("p", { class: "muted", text: "Comparing…" }));
      const params = { from: $("#history-from").value, to: $("#history-to").value };
      try {
        const report = await api(`/api/documents/${encodeURIComponent(docId)}/changes` + qs(params));
        clear(result);
        result.appendChild(el("p", { class: "counts", text: `${report.from.name} → ${report.to.name}: ${countsLine(report.counts)}` }));
        result.appendChild(renderReport(report));
      } catch (err) {
        clear(result).appendChild(errorNode(err, "Could not compare:"));
      }
    };
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      run();
    });
    await run();
    $("#history-title").focus();
  }

  views.changes = {
    init: initChanges,
    route: (parts) => {
      if (parts[0] === "doc" && parts[1]) {
        showPanel("history");
        showHistory(parts[1]);
      }
    },
  };

  // -------------------------------------------------------------------------------------
  // Gaps (admin token)
  // -------------------------------------------------------------------------------------
  async function initGaps() {
    const { $ } = A();
    try {
      fillSelect($("#gaps-authority"), await authorities(), "All authorities");
    } catch (err) {
      // The list is optional: the report still works for all authorities.
    }
    $("#gaps-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      showGaps();
    });
  }

  async function showGaps() {
    const { $, el, clear, qs, errorNode } = A();
    const out = clear($("#gaps-result"));
    const token = $("#gaps-token").value.trim();
    if (!token) {
      out.appendChild(el("p", { class: "notice notice-error", role: "alert", text: "Enter the admin token first." }));
      $("#gaps-token").focus();
      return;
    }
    let data;
    try {
      data = await A().api("/api/gaps" + qs({ authority: $("#gaps-authority").value }), { token });
    } catch (err) {
      out.appendChild(errorNode(err, "Could not read the question log:"));
      return;
    }
    if (!data.enabled) out.appendChild(el("p", { class: "notice", text: "The question log is off on this server (STANDARDS_QUESTION_LOG): nothing new is recorded." }));
    out.appendChild(el("p", { class: "muted", text: `${data.records} record(s), kept ${data.retention_days} days.` }));
    if (!data.topics.length) {
      out.appendChild(el("p", { class: "notice", text: "No unanswered questions are recorded." }));
      return;
    }
    const table = el("table", { class: "doc-table gap-table" },
      el("thead", {}, el("tr", {}, ["Authority", "Topic", "Asked", "Not answered", "Not helpful", "Last asked", "For example"]
        .map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, data.topics.map((t) => el("tr", {},
        el("td", { text: t.authority || "(none named)" }), el("td", { text: t.topic }),
        el("td", { class: "num", text: t.count }), el("td", { class: "num", text: t.abstained }),
        el("td", { class: "num", text: t.not_helpful }), el("td", { text: t.last_asked.replace("T", " ").replace("Z", " UTC") }),
        el("td", {}, el("ul", { class: "gap-examples" }, t.examples.map((q) => el("li", { text: q }))))))));
    out.appendChild(el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Unanswered topics" }, table));
  }

  views.gaps = { init: initGaps };

  // -------------------------------------------------------------------------------------
  // "Not helpful" on answers (only while the server's question log is on)
  // -------------------------------------------------------------------------------------
  let feedbackStatus = null;
  function logStatus() {
    if (!feedbackStatus) {
      feedbackStatus = fetch("/api/feedback").then((r) => (r.ok ? r.json() : { enabled: false })).catch(() => ({ enabled: false }));
    }
    return feedbackStatus;
  }

  hooks.answer = (card, response, turn) => {
    const slot = document.createElement("div");
    slot.className = "answer-feedback";
    card.appendChild(slot);
    logStatus().then((status) => {
      if (!status.enabled || !turn || !turn.question) return;
      const { el, api, errorNode, clear } = A();
      const button = el("button", { type: "button", class: "secondary small", text: "Not helpful" });
      const note = el("span", { class: "status", role: "status" });
      if (turn.feedback) {
        slot.appendChild(el("span", { class: "muted", text: "Marked not helpful. Thank you." }));
        return;
      }
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const body = { question: turn.question };
          if (turn.authorities && turn.authorities.length) body.authorities = turn.authorities;
          await api("/api/feedback", { method: "POST", json: body });
          turn.feedback = "not_helpful";
          clear(slot).appendChild(el("span", { class: "muted", text: "Marked not helpful. Thank you: the question is kept (without personal details) for whoever revises the standards." }));
        } catch (err) {
          button.disabled = false;
          clear(note).appendChild(errorNode(err));
        }
      });
      slot.append(button, note);
    });
  };

  // Say so under the question box when questions are being recorded.
  document.addEventListener("DOMContentLoaded", () => {
    logStatus().then((status) => {
      if (!status.enabled) return;
      const form = document.getElementById("ask-form");
      if (!form) return;
      const p = document.createElement("p");
      p.className = "hint question-log-note";
      p.textContent = `Questions these standards cannot answer, and answers marked not helpful, are recorded with personal details removed and nothing about who asked, for ${status.retention_days} days.`;
      form.appendChild(p);
    });
  });
})();
