"""How a report is shown in an event: a dispatch's outlet is the agency its lead credits, its title its lead."""

import pytest

from talkwire.processors.parse.parsing import parse_dispatch
from talkwire.processors.records import Article
from talkwire.processors.cluster.reports import DISPLAY_TITLE_CHARS, display_title, report_outlet, report_url
from talkwire.settings import Limits


def dispatch(lead: str) -> Article:
    return parse_dispatch(f"date 2022-03 {lead}\n\nLa suite du texte de la dépêche.", Limits(), article_id="d")


@pytest.mark.parametrize("lead, outlet, title", [
    ("Kiev (AFP) - Les délégations se sont séparées lundi. Elles se reverront.", "AFP",
     "Les délégations se sont séparées lundi."),
    ("PARIS (AFP) — Emmanuel Macron s'est entretenu jeudi avec Vladimir Poutine.", "AFP",
     "Emmanuel Macron s'est entretenu jeudi avec Vladimir Poutine."),
    ("KYIV, April 9 (Reuters) - Talks ended on Monday. More later.", "Reuters", "Talks ended on Monday."),
    ("NUSA DUA, Indonesia (AP) - Lavrov walked out.", "Associated Press", "Lavrov walked out."),
    ("Ce jeudi avait lieu une session (la deuxième) de pourparlers.", None,
     "Ce jeudi avait lieu une session (la deuxième) de pourparlers."),
])
def test_a_dispatch_is_shown_by_the_agency_it_credits_and_its_lead(lead, outlet, title):
    article = dispatch(lead)
    assert (report_outlet(article), display_title(article)) == (outlet, title)


def test_a_long_lead_is_shortened_on_a_word_boundary():
    lead = "Les pourparlers " + "entre les délégations " * 10 + "ont repris."
    title = display_title(dispatch(lead))
    assert len(title) <= DISPLAY_TITLE_CHARS and title.endswith("…")
    assert lead.startswith(title[:-1]) and lead[len(title) - 1] == " "


def test_a_json_article_keeps_its_source_and_title():
    article = Article(id="a", source="Le Soir", published_at="2022-03-03T10:00:00+00:00", published_precision="day",
                      title="Un titre", body="Kiev (AFP) - Un texte.", content_hash="h")
    assert (report_outlet(article), display_title(article)) == ("Le Soir", "Un titre")


@pytest.mark.parametrize("url, kept", [
    ("https://www.example-news.fr/monde/pourparlers", True),
    ("http://example.org/a?b=1", True),
    ("javascript:alert(1)", False),
    ("https://example.org/with space", False),
    (42, False),
])
def test_a_report_link_is_kept_only_when_it_is_a_web_url(url, kept):
    article = Article(id="a", source="S", published_at="2022-03-03T10:00:00+00:00", published_precision="day",
                      body="x", content_hash="h", extra={"url": url})
    assert report_url(article) == (url if kept else None)
