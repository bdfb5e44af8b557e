"""The embedding-centroid anchor of ``talkwire eval``: joins by cosine, closes clusters after 4 days."""

from talkwire.processors.baseline import centroid_clusters
from talkwire.processors.records import Article

TALKS = ("Russia and Ukraine hold second round of talks in Belarus",
         "Russian and Ukrainian delegations met in Belarus on Thursday for a second round of talks on a ceasefire.")
TALKS_FR = ("Deuxième session de pourparlers entre la Russie et l'Ukraine au Bélarus",
            "Les délégations russe et ukrainienne se sont retrouvées jeudi au Bélarus pour une deuxième session "
            "de pourparlers sur un cessez-le-feu.")
FOOTBALL = ("Liverpool beat Chelsea in the League Cup final",
            "Liverpool won the League Cup on penalties after a goalless draw with Chelsea at Wembley on Sunday.")


def _article(article_id: str, published_at: str, text: tuple[str, str]) -> Article:
    return Article(id=article_id, source="S", published_at=published_at, published_precision="day",
                   title=text[0], body=text[1], content_hash=article_id)


def test_reports_of_one_story_join_across_languages_and_others_stay_apart():
    labels = centroid_clusters([
        _article("a", "2022-03-03T18:00:00+00:00", TALKS),
        _article("b", "2022-03-03T19:00:00+00:00", TALKS_FR),
        _article("c", "2022-03-03T20:00:00+00:00", FOOTBALL),
    ])
    assert labels["a"] == labels["b"] == "a"
    assert labels["c"] == "c"


def test_a_cluster_closes_four_days_after_its_newest_article():
    labels = centroid_clusters([
        _article("a", "2022-03-03T18:00:00+00:00", TALKS),
        _article("b", "2022-03-08T18:00:00+00:00", TALKS),
    ])
    assert labels == {"a": "a", "b": "b"}
