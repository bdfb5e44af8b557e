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
// The filters' form fields, named as the /api/events parameters; their values live in the page's query string.
const filters = {
  party: document.getElementById("filter-party"),
  type: document.getElementById("filter-type"),
  from: document.getElementById("filter-from"),
  to: document.getElementById("filter-to"),
  q: document.getElementById("filter-q"),
};
const PERMALINK = /^#event=(.+)$/;

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
      safeUrl(article.url)
        ? el("a", { class: "report-title", href: article.url, rel: "noopener noreferrer", target: "_blank" },
          article.title || article.id)
        : el("span", { class: "report-title" }, article.title || article.id),
      article.duplicate_of
        ? el("span", { class: "copy-of" }, "copy of ", original ? original.source || "a dispatch" : article.duplicate_of)
        : null);
  }));
}

// Only web links: a url from the input must not become a javascript: link.
function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url);
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
  return el("article", { class: `event type-${event.event_type}`, "data-event-id": event.event_id,
    id: `event-${event.event_id}` },
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
    el("footer", {},
      el("a", { class: "permalink", href: `#event=${encodeURIComponent(event.event_id)}`, title: "link to this event" },
        event.event_id),
      ` · version ${event.version} · updated ${formatInstant(event.updated_at)}`));
}

// Case, accents and hyphens ignored, as the API's ?q= does.
function fold(text) {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[\s\-'’]+/g, " ").trim();
}

function searchable(event) {
  const location = event.location;
  return fold([event.title, event.event_type, location.place, location.region, location.country,
    ...event.parties, ...event.outcomes, ...event.participants.map((p) => p.name),
    ...event.articles.flatMap((a) => [a.title, a.source])].filter(Boolean).join(" "));
}

// An event dated by month or year is kept when its span overlaps the range; undated ones only without a range.
function withinDates(date, from, to) {
  if (!from && !to) return true;
  if (!date) return false;
  const first = date.length === 4 ? `${date}-01-01` : date.length === 7 ? `${date}-01` : date;
  const last = date.length === 4 ? `${date}-12-31` : date.length === 7 ? `${date}-31` : date;
  return (!from || last >= from) && (!to || first <= to);
}

function visible(event) {
  const words = fold(filters.q.value).split(" ").filter(Boolean);
  const text = words.length ? searchable(event) : "";
  return (!filters.type.value || event.event_type === filters.type.value)
    && (!filters.party.value || event.parties.includes(filters.party.value))
    && withinDates(event.date, filters.from.value, filters.to.value)
    && words.every((word) => text.includes(word));
}

// Keep a select's options to the values present (and the chosen one), in order.
function fillOptions(select, values, label) {
  const chosen = select.value;
  const wanted = [...new Set([...values, chosen].filter(Boolean))].sort();
  const present = [...select.options].slice(1).map((o) => o.value);
  if (present.join() === wanted.join()) return;
  select.replaceChildren(select.options[0], ...wanted.map((v) => el("option", { value: v }, label(v))));
  select.value = chosen;
}

function render(changedId) {
  const list = [...events.values()].sort((a, b) =>
    b.updated_at.localeCompare(a.updated_at) || b.event_id.localeCompare(a.event_id));
  const shown = list.filter(visible);
  const container = document.getElementById("events");
  container.replaceChildren(...shown.map((event) => {
    const node = card(event);
    if (event.event_id === changedId || `#event=${encodeURIComponent(event.event_id)}` === location.hash) {
      node.classList.add(event.event_id === changedId ? "flash" : "linked");
    }
    return node;
  }));
  document.getElementById("empty").hidden = list.length > 0;
  document.getElementById("no-match").hidden = !list.length || shown.length > 0;
  document.getElementById("count-events").textContent = list.length;
  document.getElementById("count-reports").textContent = list.reduce((n, e) => n + e.articles.length, 0);
  document.getElementById("count-outlets").textContent =
    new Set(list.flatMap((e) => e.articles.map((a) => a.source))).size;
  fillOptions(filters.type, list.map((e) => e.event_type), (type) => TYPE_LABELS[type] || type);
  fillOptions(filters.party, list.flatMap((e) => e.parties), (code) => `${flag(code)} ${code}`.trim());
}

// The filters and the linked event are in the URL, so a view can be bookmarked or shared.
function readUrl() {
  const params = new URLSearchParams(location.search);
  for (const [name, field] of Object.entries(filters)) {
    const value = params.get(name) || "";
    if (field.tagName === "SELECT" && value && ![...field.options].some((o) => o.value === value)) {
      field.append(el("option", { value }, value));
    }
    field.value = value;
  }
}

function writeUrl() {
  const params = new URLSearchParams();
  for (const [name, field] of Object.entries(filters)) if (field.value) params.set(name, field.value);
  const query = params.toString();
  history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}

// A permalink to an event merged since then leads to the event it was merged into (the API answers 308).
async function showLinkedEvent() {
  const match = PERMALINK.exec(location.hash);
  if (!match) return;
  const eventId = decodeURIComponent(match[1]);
  if (!events.has(eventId)) {
    const response = await fetch(`/api/events/${encodeURIComponent(eventId)}`);
    if (!response.ok) return;
    const live = await response.json();
    history.replaceState(null, "", `${location.pathname}${location.search}#event=${encodeURIComponent(live.event_id)}`);
    render(null);
  }
  document.getElementById(`event-${decodeURIComponent(PERMALINK.exec(location.hash)[1])}`)?.scrollIntoView();
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
    showLinkedEvent();
  });
  source.addEventListener("change", (message) => {
    const change = JSON.parse(message.data);
    if (change.event) events.set(change.event_id, change.event);
    else events.delete(change.event_id);
    render(change.event_id);
  });
}

for (const field of Object.values(filters)) {
  field.addEventListener(field.type === "search" ? "input" : "change", () => { writeUrl(); render(null); });
}
document.getElementById("filter-clear").addEventListener("click", () => {
  for (const field of Object.values(filters)) field.value = "";
  writeUrl();
  render(null);
});
window.addEventListener("hashchange", () => { render(null); showLinkedEvent(); });
readUrl();
connect();
