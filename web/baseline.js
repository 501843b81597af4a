/*
 * Standards Assistant — the "National minimum" view: one authority's standards against the
 * national baseline (GET /api/baseline). Red flags (looser than national) and the national
 * duties the standards do not mention come first, each with both figures and both sources.
 *
 * Same safety rule as app.js: server text goes in through el() / textContent only. The shared
 * helpers (el, api, citationChip, ...) come from app.js when the view is first shown.
 */
"use strict";

(function () {
  const views = (window.StandardsViews = window.StandardsViews || {});
  let app = null;

  const VERDICT_TEXT = {
    looser: "Looser than national",
    same: "Same as national",
    stricter: "Stricter than national",
    silent: "Not mentioned: national applies",
    not_comparable: "Not compared",
    no_national_figure: "No national figure",
  };

  function $(sel) {
    return document.querySelector(sel);
  }

  function scope(entry) {
    return [entry.topic, entry.cohort, entry.phase].filter(Boolean).join(" · ");
  }

  /** The national side of a row: its figure, its label (always "national: ...") and the wording. */
  function nationalCell(entry) {
    const { el } = app;
    const cell = el("td", { class: "national" },
      el("span", { class: "figure", text: entry.description || "no national figure" }),
      el("span", { class: "national-label", text: entry.label }));
    if (entry.wording) {
      cell.appendChild(el("details", { class: "national-wording" },
        el("summary", { text: "Wording" }),
        el("blockquote", { class: "quote", text: entry.wording }),
        entry.source.url
          ? el("a", { href: entry.source.url, target: "_blank", rel: "noopener noreferrer", text: "Where it was read" })
          : null,
        entry.note ? el("p", { class: "hint", text: entry.note }) : null));
    }
    return cell;
  }

  /** The local side: the authority's figure, its citation chip, any conversion and notes. */
  function localCell(verdicts) {
    const { el, citationChip } = app;
    const cell = el("td", { class: "local" });
    for (const v of verdicts) {
      const local = v.local;
      const item = el("div", { class: "local-item" },
        el("span", { class: "figure", text: v.local_figure }),
        v.verdict && verdicts.length > 1 ? el("span", { class: `verdict-tag verdict-${v.verdict}`, text: VERDICT_TEXT[v.verdict] || v.verdict }) : null,
        " ",
        citationChip({
          clause_id: local.clause_id, authority: local.authority, section: local.section,
          clause_ref: local.clause_ref, text: local.sentence || local.quote, quote: local.quote,
          document_id: local.document_id,
        }, { phrases: [local.quote] }));
      if (v.comparison && v.comparison.approximate && v.comparison.conversion) {
        item.appendChild(el("p", { class: "hint", text: "Approximate: " + v.comparison.conversion }));
      }
      if (v.verdict === "not_comparable" && v.reason) {
        item.appendChild(el("p", { class: "hint not-compared-reason", text: "Not compared: " + v.reason + "." }));
      }
      for (const note of v.notes || []) item.appendChild(el("p", { class: "hint", text: note }));
      cell.appendChild(item);
    }
    return cell;
  }

  function table(caption, rows, withLocal) {
    const { el } = app;
    const head = el("tr", {}, el("th", { scope: "col", text: "Duty" }));
    if (withLocal) head.appendChild(el("th", { scope: "col", text: "This authority" }));
    head.appendChild(el("th", { scope: "col", text: "National" }));
    const body = el("tbody");
    for (const r of rows) body.appendChild(r);
    return el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": caption },
      el("table", { class: "baseline-table" }, el("caption", { class: "visually-hidden", text: caption }),
        el("thead", {}, head), body));
  }

  function dutyRow(duty, verdicts, withLocal) {
    const { el } = app;
    const row = el("tr", { class: `verdict-${duty.verdict}`, dataset: { entry: duty.national.id } },
      el("th", { scope: "row" },
        el("span", { class: "duty", text: duty.national.duty }),
        el("span", { class: "muted scope", text: scope(duty.national) })));
    if (withLocal) row.appendChild(localCell(verdicts));
    row.appendChild(nationalCell(duty.national));
    return row;
  }

  function section(title, count, body, id) {
    const { el } = app;
    return el("section", { class: "baseline-section", id },
      el("h3", {}, title, el("span", { class: "count", text: ` (${count})` })), body);
  }

  function render(out, report) {
    const { el } = app;
    out.appendChild(el("p", { class: "baseline-summary" },
      el("strong", { text: report.authority }),
      `: checked against ${report.duties.length} national duties. `,
      Object.entries(report.summary).map(([k, n]) => `${VERDICT_TEXT[k] || k}: ${n}`).join(" · ")));

    const flags = report.looser.map((d) => dutyRow(d, d.matches.filter((v) => v.verdict === "looser"), true));
    out.appendChild(section("Looser than national (red flags)", flags.length,
      flags.length ? table("Duties where the authority's figure is looser than national", flags, true)
        : el("p", { class: "muted", text: "None of this authority's figures is looser than the national one." }),
      "baseline-looser"));

    const silent = report.silent.map((d) => dutyRow(d, [], false));
    out.appendChild(section("Not mentioned in the standards: the national figure applies", silent.length,
      silent.length ? table("National duties the standards do not mention", silent, false)
        : el("p", { class: "muted", text: "The standards mention every national duty." }),
      "baseline-silent"));

    const others = report.duties.filter((d) => d.verdict === "not_comparable");
    if (others.length) {
      out.appendChild(section("Not compared (not the same duty: another group or case, phase or event; the national figure applies)", others.length,
        table("Standards not compared with national", others.map((d) => dutyRow(d, d.related, true)), true),
        "baseline-not-compared"));
    }
    const met = report.duties.filter((d) => d.verdict === "same" || d.verdict === "stricter");
    if (met.length) {
      out.appendChild(el("details", { class: "baseline-section", id: "baseline-met" },
        el("summary", {}, `Same as or stricter than national (${met.length})`),
        table("Duties the authority meets or exceeds", met.map((d) => dutyRow(d, d.matches, true)), true)));
    }
    const none = report.duties.filter((d) => d.verdict === "no_national_figure");
    if (none.length) {
      out.appendChild(el("details", { class: "baseline-section", id: "baseline-none" },
        el("summary", {}, `No national figure (${none.length})`),
        el("ul", {}, none.map((d) => el("li", {}, el("strong", { text: d.national.topic }), ": ", d.explanation)))));
    }
    if (report.unverified_not_compared.length) {
      out.appendChild(el("details", { class: "baseline-section", id: "baseline-unverified" },
        el("summary", {}, `Figures not verified against their source, not compared (${report.unverified_not_compared.length})`),
        el("ul", {}, report.unverified_not_compared.map((e) =>
          el("li", {}, el("strong", { text: e.duty }), `: commonly stated ${e.figure} — ${e.note || ""}`)))));
    }
  }

  async function run() {
    const { api, qs, clear, errorNode, el } = app;
    const authority = $("#baseline-authority").value;
    const includeUnverified = $("#baseline-unverified").checked;
    const out = clear($("#baseline-result"));
    const csv = $("#baseline-csv");
    csv.hidden = true;
    if (!authority) {
      out.appendChild(el("p", { class: "notice", text: "Choose an authority." }));
      return;
    }
    out.appendChild(el("p", { class: "muted", text: "Checking against the national minimum…" }));
    $("#baseline-submit").disabled = true;
    const params = { authority, include_unverified: includeUnverified ? "true" : "" };
    try {
      const data = await api("/api/baseline" + qs(params));
      clear(out);
      for (const note of data.notes || []) out.appendChild(el("p", { class: "notice", text: note }));
      for (const report of data.reports || []) render(out, report);
      csv.href = "/api/baseline" + qs(Object.assign({ format: "csv" }, params));
      csv.setAttribute("download", `baseline-${authority.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.csv`);
      csv.hidden = false;
    } catch (err) {
      clear(out).appendChild(errorNode(err, "Could not check the standards:"));
    } finally {
      $("#baseline-submit").disabled = false;
    }
  }

  views.baseline = {
    async init(shared) {
      app = shared;
      const { el, clear, errorNode } = app;
      $("#baseline-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        run();
      });
      const select = $("#baseline-authority");
      try {
        const authorities = await app.authorities();
        clear(select);
        for (const a of authorities) select.appendChild(el("option", { value: a, text: a }));
      } catch (err) {
        clear($("#baseline-result")).appendChild(errorNode(err, "Could not load authorities:"));
      }
    },
  };
})();
