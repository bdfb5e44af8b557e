"""The people of the event with their roles and parties: a role in apposition ("le négociateur
ukrainien David Arakhamia", "Russia's Foreign Minister Sergei Lavrov"), and the party a role or
clause names."""

from __future__ import annotations

import re

from talkwire.processors.extract.frame.cues import CLAUSE_END, CONTEXT_CHARS, Cues
from talkwire.processors.extract.gazetteer import Gazetteer, fold
from talkwire.processors.records import Participant, PersonSpan

MAX_ROLE_WORDS = 8
MAX_ROLE_PREFIX = 3  # words before a role's noun in an apposition ("the Taliban's deputy leader")
_ROLE_ARTICLE = re.compile(r"^(?:le|la|les|l['’]\w*|un|une|the|a|an)$", re.IGNORECASE)
_SERVES = re.compile(r"\b(?:to|of|for|de|du|d|aupres de|aupres du)\b")  # on folded text
_INITIAL_DOT = re.compile(r"\b([A-Z])\.")  # "U.S.", "U.N.": no sentence end
_PARTY_COMPLEMENT = re.compile(r"^,?\s+(?:of|from|de|du|des|d['’])\s*(?:the\s+|la\s+|l['’]|les\s+)?"
                               r"((?:[A-Z][\w'’.-]*\s?){1,4})")


def find_participants(text: str, people: list[PersonSpan], gazetteer: Gazetteer, language: str, cues: Cues,
                  year: int | None = None) -> list[tuple[Participant, bool]]:
    """One participant per person, with the role read from an apposition; True when a role was found.
    The party comes from the text first (the role's demonym or state, "of the ELN" after the name, a
    demonym just before), then from the gazetteer's list of well-known people (their role in the event's
    year); a later bare mention of the same person keeps what the first one resolved."""
    found: dict[str, tuple[Participant, bool]] = {}
    party_by_surname = {_surname(name): p.party for p in people for name in (p.canonical, text[p.start:p.end])}
    for span in people:
        after = _role_after(text, span.end, cues)
        role = after or _role_before(text, span.start, cues)
        own = {_surname(span.canonical), _surname(text[span.start:span.end])}
        named = set(fold(role).split(" ")) & (party_by_surname.keys() - own) if role else set()
        serves = after and named and _SERVES.search(fold(after))
        # A role that names another person is that person's ("Ban Ki-moon, X"; "X, Japanese Prime Minister Y"),
        # unless it says whom this one serves ("adviser to President Y": Y's party).
        role = None if named and not serves else role
        serves = next((party_by_surname[n] for n in sorted(named) if party_by_surname[n]), None) if serves else None
        known = found.get(span.canonical)
        if known and (known[1] or not role):
            continue
        entry = gazetteer.entry(f"person:{span.canonical}")
        known_role, known_party = entry.role_in(year) if entry else (None, span.party)
        party = (_party_of(role, gazetteer, language, cues) if role else None) or serves or (
            _party_after(text, span.end, gazetteer) if role else None) or known_party or (
            _clause_party(text, span.start, gazetteer, language, _previous_person_end(people, span)) if role else None)
        participant = Participant(name=span.canonical, role=role or known_role, party=party)
        found[span.canonical] = (participant, bool(role))
    return list(found.values())


def _surname(name: str) -> str:
    return fold(name).split(" ")[-1]


def _starts_with_role(words: str, cues: Cues, prefix: int = 0) -> bool:
    """Whether folded words open with a role, after an article and at most ``prefix`` demonyms, possessives
    or qualifiers (an apposition's "the US special envoy", "the Taliban's deputy leader")."""
    words = re.sub(r"^(?:(?:l )?une? des|one of the|le|la|l|les|un|une|the|a|an|another|un autre|une autre)\s+", "", words)
    split = words.split(" ")
    for skip in range(min(prefix, len(split) - 1) + 1):
        if skip and split[skip - 1] not in cues.role_qualifiers:
            return False
        if cues.role_start.match(" ".join(split[skip:])):
            return True
    return False


def _role_after(text: str, end: int, cues: Cues) -> str | None:
    """"Mikhaïlo Podoliak, conseiller de la présidence ukrainienne et ..." -> the apposition."""
    rest = _INITIAL_DOT.sub("\\1·", text[end:end + 200])
    if not rest.startswith(","):
        return None
    clause = CLAUSE_END.split(rest[1:], maxsplit=1)[0].strip()
    clause = re.split(r"\s+(?:et|and|qui|who|a|has|said|a déclaré)\s+", clause, maxsplit=1)[0]
    return _trim_role(clause.replace("·", ".")) if _starts_with_role(fold(clause), cues, MAX_ROLE_PREFIX) else None


def _role_before(text: str, start: int, cues: Cues) -> str | None:
    """"Le chef de la délégation russe, Vladimir Medinski" / "le député Léonid Sloutski" / "U.S. President
    X" -> the role: the longest one right before the name, after any verb or conjunction."""
    head = _INITIAL_DOT.sub("\\1·", text[max(0, start - 200):start]).rstrip()
    head = head[:-1] if head.endswith(",") else head
    words = CLAUSE_END.split(head[::-1], maxsplit=1)[0][::-1].split()[-MAX_ROLE_WORDS:]
    first = max((i + 1 for i, w in enumerate(words) if fold(w) in cues.role_breakers), default=0)
    for i in range(first, len(words)):
        if _starts_with_role(fold(" ".join(words[i:])), cues) or (
                words[i].endswith("'s") and i + 1 < len(words) and _starts_with_role(fold(" ".join(words[i + 1:])), cues)):
            return _trim_role(_english_title_start(words, i, cues).replace("·", "."))
    return None


def _english_title_start(words: list[str], i: int, cues: Cues) -> str:
    """Extend a title back over capitalised words, possessives and role qualifiers ("Russian Foreign
    Minister", "Taliban negotiator", "EU foreign policy chief"); a role opened by an article ("le chef
    des talibans") starts there."""
    while not _ROLE_ARTICLE.match(words[i]) and i > 0 and (
            words[i - 1][:1].isupper() or words[i - 1].endswith("'s") or fold(words[i - 1]) in cues.role_qualifiers):
        i -= 1
    return " ".join(words[i:])


def _trim_role(role: str) -> str | None:
    role = re.sub(r"^(?:le|la|l'|les|un|une|the|a|an)\s+", "", role.strip(" -–—"), flags=re.IGNORECASE)
    words = role.split()
    return " ".join(words[:MAX_ROLE_WORDS]) if words else None


def _party_of(role: str, gazetteer: Gazetteer, language: str, cues: Cues) -> str | None:
    """The state/organisation a role names: a demonym ("russe", "North Korean", "U.S.") or a name
    ("Ukraine's", "de l'ONU", "des talibans"); not a state it is posted to ("ambassadeur en Allemagne")."""
    words = re.findall(r"[\w'’.-]+", role)
    for index, word in enumerate(words):
        word = word.rstrip(".") if word.count(".") == 1 else word  # a sentence's full stop, not "U.S."
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) else ""
        code = (gazetteer.demonym(pair, language) if pair else None) or gazetteer.demonym(word, language)
        if code:
            return code
        name = re.sub(r"^(?:l['’]|d['’])|['’]s?$", "", word)
        entry = gazetteer.lookup(name) if name[:1].isupper() else None  # "l'un" is not the UN
        if entry is None or (index and fold(words[index - 1]) in cues.posted_to):
            continue
        if party := gazetteer.party_code(entry):
            return party
    return None


def _party_after(text: str, end: int, gazetteer: Gazetteer) -> str | None:
    """The state/organisation named right after a person ("Pablo Beltrán of the ELN", "X, du Hamas")."""
    complement = _PARTY_COMPLEMENT.match(text[end:end + 80])
    entry = gazetteer.lookup(complement.group(1).strip()) if complement else None
    return gazetteer.party_code(entry) if entry else None


def _previous_person_end(people: list[PersonSpan], span: PersonSpan) -> int:
    return max((p.end for p in people if p.end <= span.start and p.canonical != span.canonical), default=0)


def _clause_party(text: str, start: int, gazetteer: Gazetteer, language: str, floor: int = 0) -> str | None:
    """A demonym in the sentence just before a person ("un membre de la délégation russe, le député X"),
    after any other person named there (the EU of "EU negotiator Michel Barnier and Brexit Secretary X")."""
    clause = re.split(r"[.!?\n]", text[max(0, floor, start - CONTEXT_CHARS * 2):start])[-1]
    words = re.findall(r"[\w'-]+", clause)
    return next((code for w in reversed(words) if (code := gazetteer.demonym(w, language))), None)


def as_written(participant: Participant, people: list[PersonSpan], text: str) -> Participant:
    """The participant named as this article writes them in full ("Vladimir Poutine" in French), the
    canonical name kept to tell the same person in other languages' reports."""
    forms = [text[span.start:span.end] for span in people if span.canonical == participant.name]
    written = max(forms, key=len, default=participant.name)
    return participant.model_copy(update={"name": " ".join(written.split()), "canonical": participant.name})
