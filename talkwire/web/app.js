// talkwire live events page: a snapshot then one change per event record, over Server-Sent Events.
"use strict";

const TYPE_LABELS = {
  negotiation_round: "Negotiation round",
  ministerial_meeting: "Ministerial meeting",
  summit: "Summit",
  phone_call: "Phone call",
  agreement_signing: "Agreement signing",
  speech: "Speech",
  incident: "Incident",
  other: "Other",
};
const events = new Map(); // event_id -> event JSON (with updated_at)
const typeFilter = document.getElementById("filter-type");

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

// Two-letter codes are states (and EU/UN, which have flags too); longer ones are organisations.
function flag(code) {
  if (!/^[A-Z]{2}$/.test(code)) return "";
  return String.fromCodePoint(...[...code].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}

function partyChip(code) {
  const emoji = flag(code);
  return el("span", { class: emoji ? "party" : "party org", title: code },
    emoji ? el("span", { class: "flag", "aria-hidden": "true" }, emoji) : null, code);
}

function humanise(label) {
  return label.replaceAll("_", " ");
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

function formatDate(date, precision, description) {
  if (!date) return description || "date unknown";
  const [year, month, day] = date.split("-").map(Number);
  if (precision === "day" && day) return `${day} ${MONTHS[month - 1]} ${year}`;
  const text = precision === "month" && month ? `${MONTHS[month - 1]} ${year}` : String(year);
  return description ? `${text} · ${description}` : `${text} (day unknown)`;
}

function formatInstant(published) {
  if (/^\d{4}-\d{2}$/.test(published)) {
    const [year, month] = published.split("-").map(Number);
    return `${MONTHS[month - 1].slice(0, 3)} ${year}`;
  }
  const instant = new Date(published);
  if (Number.isNaN(instant.getTime())) return published;
  return instant.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

// Month-precision dispatches ("2022-03") sort at the start of their month.
function instantKey(published) {
  const instant = new Date(/^\d{4}-\d{2}$/.test(published) ? `${published}-01T00:00:00Z` : published);
  return Number.isNaN(instant.getTime()) ? published : instant.toISOString();
}

function place(location) {
  const names = [...new Set([location.place, location.region].filter(Boolean))];
  if (!names.length && !location.country) return null;
  return el("span", { class: "place" },
    names.join(", "), location.country ? partyChip(location.country) : null);
}

function fact(label, value, cls) {
  return el("div", { class: `fact ${cls || ""}` }, el("dt", {}, label), el("dd", {}, value));
}

function timeline(event) {
  const byId = new Map(event.articles.map((a) => [a.id, a]));
  const sorted = [...event.articles].sort((a, b) =>
    instantKey(a.published_at).localeCompare(instantKey(b.published_at)) || a.id.localeCompare(b.id));
  return el("ol", { class: "timeline" }, sorted.map((article) => {
    const original = article.duplicate_of ? byId.get(article.duplicate_of) : null;
    return el("li", { class: article.duplicate_of ? "report copy" : "report", "data-article-id": article.id },
      el("time", {}, formatInstant(article.published_at)),
      el("span", { class: "outlet" }, article.source),
      el("span", { class: "report-title" }, article.title || article.id),
      article.duplicate_of
        ? el("span", { class: "copy-of" }, "copy of ", original ? `${original.source}` : article.duplicate_of)
        : null);
  }));
}

function card(event) {
  const reports = event.articles.length;
  const facts = el("dl", { class: "facts" },
    fact("Parties", event.parties.length ? el("span", { class: "parties" }, event.parties.map(partyChip)) : "—"),
    fact("Place", place(event.location) || "—"),
    fact("Date", formatDate(event.date, event.date_precision, event.date_description)),
    event.round ? fact("Round", String(event.round), "round") : null);
  const outcomes = event.outcomes.length
    ? el("ul", { class: "outcomes" }, event.outcomes.map((o) => el("li", { class: "chip" }, humanise(o))))
    : null;
  const participants = event.participants.length
    ? el("ul", { class: "participants" }, event.participants.map((p) =>
      el("li", {}, p.party ? partyChip(p.party) : el("span", { class: "party unknown", title: "party unknown" }, "—"),
        el("strong", {}, p.name), p.role ? el("span", { class: "role" }, p.role) : null)))
    : null;
  return el("article", { class: `event type-${event.event_type}`, "data-event-id": event.event_id },
    el("header", {},
      el("span", { class: "badge" }, TYPE_LABELS[event.event_type] || event.event_type),
      el("h2", {}, event.title || event.articles.map((a) => a.title).find(Boolean) || "Untitled event"),
      el("span", { class: "sources", title: `${reports} report(s)` },
        el("b", { class: "sources-count", "data-sources": event.sources }, event.sources),
        event.sources === 1 ? " source" : " sources",
        el("span", { class: "reports" }, ` · ${reports} report${reports === 1 ? "" : "s"}`))),
    facts,
    outcomes ? el("section", {}, el("h3", {}, "Outcomes"), outcomes) : null,
    participants ? el("section", {}, el("h3", {}, "Participants"), participants) : null,
    el("details", { class: "reports-block", open: reports <= 6 ? "" : null },
      el("summary", {}, `Timeline of ${reports} report${reports === 1 ? "" : "s"}`), timeline(event)),
    el("footer", {}, `${event.event_id} · version ${event.version} · updated ${formatInstant(event.updated_at)}`));
}

function visible(event) {
  return !typeFilter.value || event.event_type === typeFilter.value;
}

function render(changedId) {
  const list = [...events.values()].sort((a, b) =>
    b.updated_at.localeCompare(a.updated_at) || b.event_id.localeCompare(a.event_id));
  const container = document.getElementById("events");
  container.replaceChildren(...list.filter(visible).map((event) => {
    const node = card(event);
    if (event.event_id === changedId) node.classList.add("flash");
    return node;
  }));
  document.getElementById("empty").hidden = list.length > 0;
  document.getElementById("count-events").textContent = list.length;
  document.getElementById("count-reports").textContent = list.reduce((n, e) => n + e.articles.length, 0);
  document.getElementById("count-outlets").textContent =
    new Set(list.flatMap((e) => e.articles.map((a) => a.source))).size;
  const types = new Set(list.map((e) => e.event_type));
  for (const type of types) {
    if (!typeFilter.querySelector(`option[value="${type}"]`)) {
      typeFilter.append(el("option", { value: type }, TYPE_LABELS[type] || type));
    }
  }
}

function setConnection(state, text) {
  const badge = document.getElementById("connection");
  badge.dataset.state = state;
  badge.textContent = text;
}

function connect() {
  const source = new EventSource("/api/stream");
  source.addEventListener("open", () => setConnection("live", "live"));
  source.addEventListener("error", () => setConnection("reconnecting", "reconnecting…"));
  source.addEventListener("snapshot", (message) => {
    events.clear();
    for (const event of JSON.parse(message.data)) events.set(event.event_id, event);
    render(null);
  });
  source.addEventListener("change", (message) => {
    const change = JSON.parse(message.data);
    if (change.event) events.set(change.event_id, change.event);
    else events.delete(change.event_id);
    render(change.event_id);
  });
}

typeFilter.addEventListener("change", () => render(null));
connect();
