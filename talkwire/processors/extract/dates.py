"""Date expressions in article text, resolved against the publication date, and the event date.

Weekday names ("jeudi", "last Thursday"), relative words ("hier", "this morning") and explicit
dates ("le 7 mars", "March 7, 2022", "2022-03-07") become ``DateMention`` records. A bare weekday
in a clause in the past is the most recent such day on or before the publication day;
"prochain"/"next" or a future tense point forward; with no tense cue it is the nearest such day
(a headline "talks open Monday" on a Sunday means tomorrow). A publication known only to the month ("2022-03") cannot
place a weekday: the mention keeps the month and says which weekday it was.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from babel.dates import get_day_names, get_month_names

from talkwire.processors.records import DateMention, DatePrecision, EventDate
from talkwire.processors.extract.rule_text import (
    Prefiltered,
    Sentence,
    alternation,
    clause_at,
    clause_span,
    cue_pattern,
    has_cue,
    load_rule_data,
    lookup_word,
    split_sentences,
    strip_accents,
    zone_weight,
)

# A year-less "7 mars" farther than this after the publication is last year's; farther before, next year's.
_FUTURE_TOLERANCE = timedelta(days=183)
# A mention this long before the publication is more likely background than the news.
_STALE_AFTER = timedelta(days=7)
_ENGLISH_MONTHS = dict(get_month_names("wide", locale="en"))
_ENGLISH_DAYS = dict(get_day_names("wide", locale="en"))


@dataclass(frozen=True)
class Publication:
    """What is known of the publication date: a day, only a month, or nothing."""

    day: date | None = None
    year: int | None = None
    month: int | None = None

    @property
    def month_label(self) -> str | None:
        return f"{_ENGLISH_MONTHS[self.month]} {self.year}" if self.month and self.year else None

    @property
    def month_iso(self) -> str | None:
        return f"{self.year:04d}-{self.month:02d}" if self.month and self.year else None


def parse_publication(published_at: str, precision: DatePrecision | None) -> Publication:
    """The publication day in its own UTC offset (local calendar day); malformed → unknown."""
    value = (published_at or "").strip()
    month_only = re.fullmatch(r"(\d{4})-(\d{2})", value)
    try:
        if month_only:
            year, month = int(month_only[1]), int(month_only[2])
            date(year, month, 1)
            return Publication(year=year, month=month)
        day = datetime.fromisoformat(value).date()
    except ValueError:
        return Publication()
    if precision == "month":
        return Publication(year=day.year, month=day.month)
    return Publication(day=day, year=day.year, month=day.month)


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class _Lexicon:
    months: dict[str, int]
    weekdays: dict[str, int]
    relative: dict[str, int]
    before: dict[str, str]
    after: dict[str, str]
    explicit: tuple[Prefiltered, ...]
    weekday: Prefiltered
    relative_pattern: Prefiltered


def _names(words: list[str], language: str) -> str:
    """English names are capitalised ("May", "March" are also common words): case-sensitive."""
    group = alternation(words)
    return f"(?-i:{group})" if language == "en" else group


@cache
def _lexicon(language: str) -> _Lexicon:
    language = language if language in ("fr", "en") else "en"
    data = load_rule_data("dates")
    months: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for number, name in get_month_names(width, locale=language).items():
            months[name.rstrip(".").lower()] = number
    for number, names in data["extra_month_names"][language].items():
        months.update({name.lower(): int(number) for name in names})
    weekdays = {name.lower(): number for number, name in get_day_names("wide", locale=language).items()}
    month_names = [m.capitalize() if language == "en" else m for m in months]
    day_names = [d.capitalize() if language == "en" else d for d in weekdays]
    month_re, day_re = _names(month_names, language), _names(day_names, language)
    if language == "fr":
        explicit = (
            rf"(?:(?P<weekday>{day_re})\s+)?(?P<day>\d{{1,2}})(?:er|re)?\s+(?P<month>{month_re})\.?(?:\s+(?P<year>\d{{4}}))?",
        )
    else:
        explicit = (
            rf"(?:(?P<weekday>{day_re}),?\s+)?(?P<month>{month_re})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?",
            rf"(?:(?P<weekday>{day_re}),?\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{month_re})\.?(?:,?\s+(?P<year>\d{{4}}))?",
        )
    explicit += (r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})",)
    modifiers = data["weekday_modifiers"][language]
    before, after = modifiers["before"], modifiers["after"]
    weekday = (
        rf"(?:(?P<before>{alternation(list(before))})\s+)?(?P<weekday>{day_re})"
        rf"(?:\s+(?P<after>{alternation(list(after))}))?"
    )
    relative = data["relative_days"][language]
    return _Lexicon(
        months=months,
        weekdays=weekdays,
        relative=relative,
        before={k.lower(): v for k, v in before.items()},
        after={k.lower(): v for k, v in after.items()},
        explicit=tuple(_bounded(p) for p in explicit),
        weekday=_bounded(weekday),
        relative_pattern=_bounded(alternation(list(relative))),
    )


def _bounded(pattern: str) -> Prefiltered:
    return Prefiltered.compile(rf"(?<!\w)(?:{pattern})(?!\w)")


# --------------------------------------------------------------------------- resolution


def _explicit_mention(match: re.Match[str], lexicon: _Lexicon, publication: Publication) -> DateMention:
    month_text = match["month"]
    month = int(month_text) if month_text.isdigit() else lookup_word(lexicon.months, month_text.rstrip("."))
    day = int(match["day"])
    year = int(match["year"]) if match["year"] else _year_near_publication(month, day, publication)
    resolved = _safe_date(year, month, day) if year else None
    if resolved:
        return DateMention(text=match.group(), offset=match.start(), date=resolved.isoformat(), precision="day")
    description = f"{day} {_ENGLISH_MONTHS.get(month, '?')}, year unknown"
    return DateMention(text=match.group(), offset=match.start(), date=None, precision=None, description=description)


def _safe_date(year: int, month: int | None, day: int) -> date | None:
    try:
        return date(year, month or 0, day)
    except (TypeError, ValueError):
        return None


def _year_near_publication(month: int | None, day: int, publication: Publication) -> int | None:
    if publication.year is None:
        return None
    anchor = publication.day or date(publication.year, publication.month or 1, 15)
    candidate = _safe_date(publication.year, month, day)
    if candidate and candidate - anchor > _FUTURE_TOLERANCE:
        return publication.year - 1
    if candidate and anchor - candidate > _FUTURE_TOLERANCE:
        return publication.year + 1  # "le 9 janvier" written in December
    return publication.year


def _weekday_direction(match: re.Match[str], lexicon: _Lexicon, clause: str, language: str) -> str:
    for key, table in (("after", lexicon.after), ("before", lexicon.before)):
        if match[key]:
            direction = lookup_word(table, match[key])
            if direction != "current":
                return direction
    if has_cue(clause, "future", language):
        return "future"
    if has_cue(clause, "past", language):
        return "current"
    return "future" if has_cue(clause, "preview", language) else "nearest"


def _own_clause(sentence: Sentence, offset: int, language: str) -> str:
    """The clause holding sentence-relative ``offset``, on its side of a reported clause's opening
    word: in "a annoncé jeudi que la délégation est attendue vendredi" each weekday has its own verb."""
    clause_start, clause_end = clause_span(sentence, offset)
    clause, relative = sentence.text[clause_start:clause_end], offset - clause_start
    opening = list(cue_pattern("reported_clause", language).finditer(clause))
    start = max((m.end() for m in opening if m.end() <= relative), default=0)
    end = min((m.start() for m in opening if m.start() >= relative), default=len(clause))
    return clause[start:end]


def _resolve_weekday(weekday: int, direction: str, day: date) -> date:
    back = (day.weekday() - weekday) % 7
    if direction == "past":
        return day - timedelta(days=back or 7)
    forward = (weekday - day.weekday()) % 7
    if direction == "next":
        return day + timedelta(days=forward or 7)
    if direction == "future" or (direction == "nearest" and forward < back):
        return day + timedelta(days=forward)
    return day - timedelta(days=back)


def _weekday_mention(match, lexicon, publication, sentence, language) -> DateMention:
    weekday = lookup_word(lexicon.weekdays, match["weekday"])
    direction = _weekday_direction(match, lexicon, _own_clause(sentence, match.start(), language).lower(), language)
    if publication.day:
        resolved = _resolve_weekday(weekday, direction, publication.day)
        return DateMention(text=match.group(), offset=match.start(), date=resolved.isoformat(), precision="day")
    name = _ENGLISH_DAYS[weekday]
    return DateMention(
        text=match.group(),
        offset=match.start(),
        date=publication.month_iso,
        precision="month" if publication.month_iso else None,
        description=f"a {name} of {publication.month_label}" if publication.month_label else f"a {name}",
    )


def _relative_mention(match, lexicon, publication) -> DateMention:
    shift = lookup_word(lexicon.relative, match.group())
    if publication.day:
        resolved = publication.day + timedelta(days=shift)
        return DateMention(text=match.group(), offset=match.start(), date=resolved.isoformat(), precision="day")
    relation = {0: "the publication day"}.get(shift, f"{abs(shift)} day(s) {'after' if shift > 0 else 'before'} publication")
    return DateMention(
        text=match.group(),
        offset=match.start(),
        date=publication.month_iso,
        precision="month" if publication.month_iso else None,
        description=f"{relation}, in {publication.month_label}" if publication.month_label else relation,
    )


def find_date_mentions(
    text: str, language: str, published_at: str, precision: DatePrecision | None
) -> list[DateMention]:
    """Every date expression of ``text``, in text order, resolved as far as the publication allows."""
    lexicon = _lexicon(language)
    publication = parse_publication(published_at, precision)
    mentions: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(match: re.Match[str]) -> bool:
        return not any(match.start() < end and start < match.end() for start, end in taken)

    for sentence in split_sentences(text):
        found: list[tuple[re.Match[str], DateMention]] = []
        for pattern in lexicon.explicit:
            found += [(m, _explicit_mention(m, lexicon, publication)) for m in sentence.finditer(pattern)]
        found += [
            (m, _weekday_mention(m, lexicon, publication, sentence, language))
            for m in sentence.finditer(lexicon.weekday)
        ]
        found += [(m, _relative_mention(m, lexicon, publication)) for m in sentence.finditer(lexicon.relative_pattern)]
        for match, mention in found:
            if free(match):
                taken.append((match.start(), match.end()))
                mentions.append(mention.model_copy(update={"offset": sentence.start + match.start()}))
        taken.clear()
    return sorted(mentions, key=lambda m: m.offset)


# --------------------------------------------------------------------------- event date


@cache
def _event_words(language: str) -> re.Pattern[str]:
    words = load_rule_data("dates")["event_words"].get(language) or load_rule_data("dates")["event_words"]["en"]
    return re.compile(rf"(?<!\w){alternation(words)}(?!\w)", re.IGNORECASE)


def _in_quote(sentence: Sentence, offset: int) -> bool:
    before = sentence.text[: offset - sentence.start]
    return before.count('"') % 2 == 1 or before.count("«") > before.count("»") or before.count("“") > before.count("”")


@cache
def _anchor_lead_in(language: str) -> re.Pattern[str]:
    words = load_rule_data("dates")["other_event_lead_in"][language if language in ("fr", "en") else "en"]
    return re.compile(rf"(?<!\w){alternation(words)}(?!\w)", re.IGNORECASE)


def _mention_score(mention: DateMention, sentence: Sentence, language: str, publication: Publication,
                   preview: bool) -> float:
    """How likely ``mention`` dates the article's main event; ``preview``: the title announces an
    event still to come, so dates ahead of publication are its own and earlier ones background."""
    score = zone_weight(sentence.paragraph)
    relative = mention.offset - sentence.start
    clause = clause_at(sentence, relative)
    if _event_words(language).search(sentence.text):
        score += 1.5
    if has_cue(clause, "other_event", language) or _anchor_lead_in(language).search(sentence.text[max(0, relative - 50) : relative]):
        score -= 4.0
    announced = preview and sentence.paragraph <= 1
    if has_cue(clause, "future", language) and not announced:
        score -= 2.0
    if publication.day and mention.precision == "day" and mention.date:
        if mention.date > publication.day.isoformat():
            score += 1.0 if announced else -4.0  # the previewed event; else a plan after the reported one
        elif preview:
            score -= 1.5  # what led up to the previewed event
        elif mention.date < (publication.day - _STALE_AFTER).isoformat():
            score -= 1.5  # news reports recent events; older dates are background
    if _in_quote(sentence, mention.offset):
        score -= 1.0
    return score


def choose_event_date(
    mentions: list[DateMention],
    text: str,
    language: str,
    published_at: str,
    precision: DatePrecision | None,
) -> EventDate:
    """The date of the main event: the best-placed mention, or the publication day without one.

    Mentions score by zone (title, lead), by event words in their sentence, and lose weight
    in sentences about another event, about plans, or inside quotes; mentions agreeing on a
    date add up. A best score below zero means no mention is about the main event.
    """
    publication = parse_publication(published_at, precision)
    sentences = split_sentences(text)
    starts = [s.start for s in sentences]
    preview = _is_preview(mentions, sentences, language, publication)
    totals: dict[tuple[str | None, str | None], float] = {}
    first: dict[tuple[str | None, str | None], DateMention] = {}
    for mention in mentions:
        if mention.date is None:
            continue
        index = bisect_right(starts, mention.offset) - 1
        if index < 0 or mention.offset >= sentences[index].end:
            continue
        sentence = sentences[index]
        key = (mention.date, mention.precision)
        score = _mention_score(mention, sentence, language, publication, preview)
        totals[key] = totals.get(key, 0.0) + (score if key not in totals else max(score, 0.0) * 0.5)
        first.setdefault(key, mention)
    if totals:
        best = max(totals, key=lambda k: (totals[k], -first[k].offset))
        if totals[best] > 0:
            chosen = first[best]
            return EventDate(date=chosen.date, precision=chosen.precision, description=chosen.description, source_text=chosen.text)
    return _publication_date(publication)


def _is_preview(mentions: list[DateMention], sentences: list[Sentence], language: str,
                publication: Publication) -> bool:
    """The title announces an event to come: a preview cue, or a date ahead of publication that no
    "next"/"prochain" marks as a later meeting of the one reported; or the lead's first sentence
    does, with a preview cue and nothing told as done."""
    title = [s for s in sentences if s.paragraph == 0]
    if not title or not publication.day:
        return False
    ahead = [m for m in mentions if m.precision == "day" and m.date and m.date > publication.day.isoformat()
             and m.offset < title[-1].end]
    if any(not has_cue(clause_at(title[0], m.offset - title[0].start), "future", language) for m in ahead):
        return True
    if has_cue(" ".join(s.text for s in title), "preview", language):
        return True
    lead = next((s for s in sentences if s.paragraph == 1), None)  # "s'apprête à accueillir lundi le sommet"
    return lead is not None and has_cue(lead.text, "preview", language) and not _told_as_done(lead.text, language)


def _told_as_done(text: str, language: str) -> bool:
    """A past tense in ``text`` other than the news's own reporting verb ("a annoncé jeudi que")."""
    reporting = cue_pattern("reporting", language).pattern
    return any(not reporting.match(text, match.start()) for match in cue_pattern("past", language).finditer(text))


def _publication_date(publication: Publication) -> EventDate:
    if publication.day:
        return EventDate(date=publication.day.isoformat(), precision="day")
    if publication.month_iso:
        return EventDate(date=publication.month_iso, precision="month", description=publication.month_label)
    return EventDate(date=None, precision=None)


MAX_MEETING_DAYS = 31


@cache
def _length_rules(kind: str, language: str) -> tuple[list[re.Pattern[str]], dict[str, int], dict[str, int]]:
    """The meeting-length patterns of ``kind`` (data/dates.yaml: each names its groups) and the
    number and ordinal words up to a month."""
    from num2words import num2words  # imported here: only this reading needs it

    data = load_rule_data("dates")[kind]
    language = language if language in data else "en"
    patterns = [re.compile(fragment, re.IGNORECASE) for fragment in data[language]]
    numbers = {strip_accents(num2words(n, lang=language)).lower(): n for n in range(1, MAX_MEETING_DAYS + 1)}
    numbers |= {"a": 1, "an": 1, "one": 1, "un": 1, "une": 1}
    ordinals = {strip_accents(num2words(n, lang=language, to="ordinal")).lower(): n for n in range(1, MAX_MEETING_DAYS + 1)}
    return patterns, numbers, ordinals


def meeting_days(text: str, language: str) -> int | None:
    """How many days the meeting had lasted by the day the report tells ("after a week of talks":
    7, "the talks reached their fifth day": 5), the longest said; None when no report says."""
    return _longest_length("meeting_length", text, language)


def planned_days(text: str, language: str) -> int | None:
    """How many days the meeting is to last from the day the report tells ("the talks are expected
    to last about a week": 7), the longest said; None when the report does not say."""
    return _longest_length("meeting_plan", text, language)


def _longest_length(kind: str, text: str, language: str) -> int | None:
    patterns, numbers, ordinals = _length_rules(kind, language)
    found = []
    for match in (m for pattern in patterns for m in pattern.finditer(text)):
        groups = {name: value for name, value in match.groupdict().items() if value}
        if "nth" in groups:
            days = ordinals.get(strip_accents(groups["nth"]).lower())
        else:
            word = strip_accents(groups.get("n", "")).lower()
            count = int(word) if word.isdigit() else numbers.get(word)
            days = count * (7 if groups.get("unit", "").lower().startswith(("week", "semaine")) else 1) if count else None
        if days and 1 < days <= MAX_MEETING_DAYS:
            found.append(days)
    return max(found, default=None)
