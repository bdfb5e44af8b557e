"""Event frame rules: acting parties vs mentioned countries, venue, participants with roles."""

import pytest
from repo_paths import SEED

from talkwire.processors.extract.entities import extract_entities
from talkwire.processors.extract.frame import build_frame
from talkwire.processors.extract.frame.cues import Endings, ends_with
from talkwire.processors.extract.gazetteer import load_gazetteer
from talkwire.processors.extract.nlp import load_pipeline
from talkwire.processors.extract.quotes import extract_quotes
from talkwire.processors.records import EventDate
from talkwire.settings import Limits, Settings

NO_DATE = EventDate(date=None, precision=None)


def _frame(text, language, event_date=NO_DATE):
    nlp = load_pipeline(language, Settings().spacy_model_fr)
    doc = nlp(text)
    gazetteer = load_gazetteer()
    _, people = extract_entities(doc, language, gazetteer, Limits())
    quotes = extract_quotes(text, language, people)  # as the extractor does: a speech is its speaker's
    return build_frame(doc, language, gazetteer, people, event_date, quotes=quotes)


@pytest.fixture(scope="module")
def seed_frame():
    return _frame(SEED.read_text("utf-8").removeprefix("date 2022-03 ").strip(), "fr")


def test_seed_parties_exclude_venue_host_and_neighbour(seed_frame):
    assert seed_frame.parties == ["RU", "UA"]


def test_seed_location_is_the_venue(seed_frame):
    location = seed_frame.location
    assert (location.place, location.region, location.country) == ("Belovejskaïa Poucha", "Brest", "BY")
    assert seed_frame.confidence["location"] > 0.5


def test_seed_participants_have_roles_and_parties(seed_frame):
    people = {p.name: p for p in seed_frame.participants}
    assert people["Mikhaïlo Podoliak"].party == "UA"
    assert people["Mikhaïlo Podoliak"].role == "conseiller de la présidence ukrainienne"
    assert people["Vladimir Medinski"].party == "RU"
    assert people["Vladimir Medinski"].role == "chef de la délégation russe"
    assert people["Léonid Sloutski"].party == "RU"
    assert people["Léonid Sloutski"].role == "député"


def test_english_titles_and_venue():
    frame = _frame(
        "Russian Foreign Minister Sergei Lavrov and his Ukrainian counterpart Dmytro Kuleba met in Antalya, "
        "Turkey, on Thursday in talks hosted by Turkish Foreign Minister Mevlut Cavusoglu.\n\n"
        "Lavrov said the talks produced no agreement on a ceasefire.", "en")
    assert {"RU", "UA"} <= set(frame.parties)
    assert (frame.location.place, frame.location.country) == ("Antalya", "TR")
    lavrov = next(p for p in frame.participants if p.name == "Sergei Lavrov")
    assert (lavrov.role, lavrov.party) == ("Russian Foreign Minister", "RU")


def test_merely_mentioned_country_is_not_a_party():
    frame = _frame(
        "Les délégations russe et ukrainienne se sont retrouvées à Istanbul. Des réfugiés ont fui vers la "
        "Pologne et la Moldavie ces dernières semaines.", "fr")
    assert frame.parties == ["RU", "UA"]
    assert frame.location.country == "TR"


def test_unknown_venue_takes_the_country_named_after_it():
    frame = _frame("Les pourparlers entre l'Arménie et l'Azerbaïdjan ont eu lieu à Gabala, en Azerbaïdjan.", "fr")
    assert frame.parties == ["AM", "AZ"]
    assert frame.location.country == "AZ"


def test_possessive_english_party():
    frame = _frame("Ukraine's negotiator David Arakhamia said talks with Russia would resume on Monday.", "en")
    arakhamia = next(p for p in frame.participants if p.name == "David Arakhamia")
    assert arakhamia.party == "UA"
    assert {"RU", "UA"} <= set(frame.parties)


def test_a_phone_call_has_no_venue_and_two_ends():
    frame = _frame(
        "Joe Biden et Xi Jinping se sont entretenus vendredi au téléphone pendant près de deux heures. "
        "Le président américain a mis en garde son homologue chinois contre tout soutien à la Russie dans "
        "la guerre en Ukraine, selon la Maison Blanche.", "fr")
    assert frame.event_type == "phone_call"
    assert frame.parties == ["CN", "US"]
    assert frame.location == frame.location.__class__()


def test_war_in_a_country_is_not_a_venue():
    frame = _frame("Guerre en Ukraine : le sommet de l'Otan s'est ouvert jeudi à Bruxelles.", "fr")
    assert (frame.location.place, frame.location.country) == ("Brussels", "BE")
    assert frame.parties == ["NATO"]


def test_host_country_of_talks_between_others_is_not_a_party():
    frame = _frame(
        "Les délégations russe et ukrainienne ont repris jeudi leurs pourparlers à Istanbul, au palais de "
        "Dolmabahçe, accueillies par le président turc Recep Tayyip Erdogan.", "fr")
    assert frame.parties == ["RU", "UA"]
    assert frame.location.country == "TR"


def test_english_venue_compound_and_country_refined_to_place():
    frame = _frame(
        "Russia says it will scale down military activity near Kyiv after Istanbul talks.\n\n"
        "Russian and Ukrainian negotiators met in Turkey on Tuesday.", "en")
    assert (frame.location.place, frame.location.country) == ("Istanbul", "TR")


# --------------------------------------------------------------------------- general rules (H-GENERAL)


def test_leaders_talks_are_a_summit_and_the_host_leader_is_a_party():
    frame = _frame("Putin and Erdogan pledge closer ties at Sochi talks\n\n"
                   "Russian President Vladimir Putin and Turkish President Tayyip Erdogan held four hours of talks "
                   "on Friday in the Black Sea resort of Sochi. It was their second meeting in three weeks.", "en")
    assert frame.event_type == "summit"
    assert frame.parties == ["RU", "TR"]
    assert frame.location.country == "RU"
    assert frame.round is None  # "their second meeting" is no round of a series of talks


def test_french_summit_host_meets_and_background_meeting_counts_little():
    frame = _frame("Poutine et Erdogan affichent leur entente à Sotchi\n\n"
                   "Le président russe Vladimir Poutine et le président turc Recep Tayyip Erdogan se sont rencontrés "
                   "vendredi à Sotchi pour un tête-à-tête de quatre heures.\n\n"
                   "Les deux hommes s'étaient déjà vus le 19 juillet à Téhéran, avec le président iranien Ebrahim Raïssi.", "fr")
    assert frame.event_type == "summit"
    assert frame.parties == ["RU", "TR"]
    assert frame.location.place == "Sochi"


def test_organisation_holding_its_summit_is_the_party_but_a_leader_guest_is_not_an_organisation_summit():
    nato = _frame("Sommet de l'Otan : l'Alliance invite la Suède et la Finlande\n\n"
                  "Les dirigeants de l'Otan, réunis à Madrid, ont invité mercredi la Suède et la Finlande, "
                  "a annoncé le président américain Joe Biden.", "fr")
    assert nato.event_type == "summit" and nato.parties == ["NATO"]
    assert nato.location.country == "ES"
    lviv = _frame("Guterres, Erdogan meet Zelensky in Lviv\n\n"
                  "UN Secretary-General Antonio Guterres met Turkish President Tayyip Erdogan and Ukrainian "
                  "President Volodymyr Zelensky in the western city of Lviv on Thursday.", "en")
    assert lviv.event_type == "summit"
    assert lviv.parties == ["TR", "UA", "UN"]


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Leaders call for a delay of rebel elections\n\nPARIS (AP) - The leaders of France, Germany, Russia and "
           "Ukraine called on Friday for local elections planned by separatists to be put off, after a summit at the "
           "Elysée."),
    ("fr", "Sommet à l'Élysée sur l'Ukraine\n\nLes dirigeants de la France, de l'Allemagne, de la Russie et de "
           "l'Ukraine ont appelé vendredi à Paris, à l'issue d'un sommet, au report des élections séparatistes."),
])
def test_the_states_whose_leaders_meet_are_the_parties_not_summit_holders(language, text):
    assert _frame(text, language).parties == ["DE", "FR", "RU", "UA"]


def test_title_opening_place_and_dateline_are_weak_venues():
    title = _frame("Krementchouk, la ville sous le choc après la frappe\n\n"
                   "Les habitants pleuraient lundi leurs morts, a déclaré Volodymyr Zelensky depuis Kiev.", "fr")
    assert title.location.place == "Kremenchuk" and title.location.country == "UA"
    dateline = _frame("NATO opens door to Finland and Sweden\n\n"
                      "MADRID (AP) - NATO leaders formally invited Finland and Sweden to join the alliance on Wednesday.", "en")
    assert dateline.location.place == "Madrid"


@pytest.mark.parametrize(("language", "text", "place", "country"), [
    ("fr", "Les ministres du G7 s'engagent sur l'Ukraine\n\nGSTAAD (Suisse) (AFP) - Les ministres des Affaires "
           "étrangères du G7 se sont engagés lundi à soutenir l'Ukraine.", "Gstaad", "CH"),  # the dateline's country
    ("en", "Lebanon and Israel resume talks\n\nThe two delegations met on Wednesday at a U.N. base in the southern "
           "Lebanese border town of Naqoura for talks on their maritime border.", "Naqoura", "LB"),  # a demonym before
])
def test_a_place_the_gazetteer_lacks_is_in_the_country_the_text_gives(language, text, place, country):
    frame = _frame(text, language)
    assert (frame.location.place, frame.location.country) == (place, country)


@pytest.mark.parametrize(("language", "text"), [
    ("fr", "Le G7 s'engage sur le climat\n\nLes dirigeants du G7 réunis à Elmau, en Allemagne, se sont engagés "
           "lundi, un signal envoyé six mois avant la conférence de Paris sur le climat."),
    ("fr", "Sommet à quatre vendredi\n\nCe sera le premier sommet à quatre en Allemagne depuis la nuit de "
           "négociations de Minsk, en février."),
])
def test_the_venue_of_a_landmark_event_is_not_the_venue(language, text):
    assert _frame(text, language).location.country == "DE"


def test_struck_place_is_the_venue_of_an_incident_and_the_struck_state_a_party():
    frame = _frame("Russian missile strike hits Kremenchuk mall\n\n"
                   "KYIV, June 27 (Reuters) - A Russian missile strike set a crowded mall ablaze in the central "
                   "Ukrainian city of Kremenchuk on Monday, killing at least 13 people, Ukrainian officials said.", "en")
    assert frame.event_type == "incident"
    assert frame.location.place == "Kremenchuk"
    assert "UA" in frame.parties  # the host of an incident is not dropped like a meeting's host


def test_mediators_of_an_exchange_are_parties():
    frame = _frame("Ukraine, Russia swap prisoners\n\n"
                   "Ukraine and Russia carried out a prisoner swap on Wednesday in a deal brokered by Turkey and "
                   "Saudi Arabia, the Ukrainian presidency said.", "en")
    assert frame.event_type == "other"
    assert {"RU", "UA", "TR", "SA"} <= set(frame.parties)


@pytest.mark.parametrize("text, language", [
    ("Serbie et Kosovo reprennent le dialogue sous l'égide de l'UE\n\nLes négociateurs serbes et kosovars se sont "
     "retrouvés lundi à Bruxelles pour un nouveau cycle de pourparlers sous l'égide de l'UE, a indiqué le médiateur "
     "de l'UE Miroslav Lajcak.", "fr"),
    ("Serbia, Kosovo talks resume with the EU as mediator\n\nEU-facilitated talks between the delegations of Serbia "
     "and Kosovo resumed in Brussels on Monday. The EU's mediator Miroslav Lajcak said the talks with the EU would go on.",
     "en"),
    ("Reprise des pourparlers avec la médiation norvégienne\n\nLes délégations du Venezuela et de la Colombie ont "
     "repris lundi à Oslo leurs négociations avec la Norvège comme médiatrice, sous la médiation de la Norvège.", "fr"),
])
def test_a_mediator_is_no_party_to_the_talks_it_mediates(text, language):
    frame = _frame(text, language)
    assert frame.event_type == "negotiation_round"
    assert not {"EU", "NO"} & set(frame.parties), frame.parties
    assert len(frame.parties) == 2


@pytest.mark.parametrize("text, language, event_type, parties", [
    ("Soudan : les pourparlers reprennent à Djeddah\n\nL'armée soudanaise et les paramilitaires ont repris samedi "
     "leurs pourparlers à Djeddah, ont annoncé l'Arabie saoudite et les États-Unis, médiateurs des pourparlers.", "fr",
     "negotiation_round", {"SD", "RSF"}),
    ("Sudan talks resume in Jeddah\n\nDelegations of Sudan's army and the RSF resumed talks on Saturday in Jeddah, "
     "in the Saudi city where Washington and Riyadh have been brokering the negotiations.", "en",
     "negotiation_round", {"SD", "RSF"}),
    ("Sudan truce talks after Saudi-US mediation\n\nThe Sudanese army and the Rapid Support Forces held talks on "
     "Monday in Jeddah after Saudi-US mediation.", "en", "negotiation_round", {"SD", "RSF"}),
    ("Sudan's warring sides sign a week-long truce in Jeddah\n\nThe Sudanese army and the Rapid Support Forces signed "
     "a seven-day ceasefire on Saturday in Jeddah. The text was brokered by Saudi Arabia and the United States.", "en",
     "agreement_signing", {"SD", "RSF"}),
    ("L'Ukraine et la Russie signent à Istanbul un accord sur les céréales\n\nL'Ukraine et la Russie ont signé vendredi "
     "à Istanbul, sous l'égide de l'ONU et de la Turquie, un accord sur les exportations de céréales. Le ministre russe "
     "Sergueï Choïgou et le ministre ukrainien Oleksandr Koubrakov ont signé des documents identiques avec le ministre "
     "turc de la Défense, Hulusi Akar, et le secrétaire général de l'ONU Antonio Guterres.", "fr",
     "agreement_signing", {"RU", "UA", "TR", "UN"}),
])
def test_every_conjunct_of_a_mediator_mediates_and_is_no_party_unless_its_people_sign(text, language, event_type,
                                                                                      parties):
    frame = _frame(text, language, EventDate(date="2023-05-20", precision="day"))
    assert frame.event_type == event_type
    assert set(frame.parties) == parties, frame.parties


@pytest.mark.parametrize("text, language, parties", [
    ("Les ministres du format Normandie réunis mardi à Paris\n\nLes chefs de la diplomatie du format Normandie se "
     "sont retrouvés mardi à Paris pour discuter du cessez-le-feu.", "fr", {"DE", "FR", "RU", "UA"}),
    ("Iran and P5+1 resume nuclear talks in Vienna\n\nIran and the P5+1 resumed talks on Tuesday in Vienna.", "en",
     {"CN", "DE", "FR", "GB", "IR", "RU", "US"}),
])
def test_a_grouping_is_each_of_its_members_the_host_among_them(text, language, parties):
    frame = _frame(text, language, EventDate(date="2015-02-24", precision="day"))
    assert set(frame.parties) == parties, frame.parties
    assert not {"NORMANDY", "P5+1"} & set(frame.parties)


def test_the_attacker_of_an_incident_is_a_party():
    frame = _frame("Frappe meurtrière sur la gare de Kramatorsk\n\n"
                   "Un missile russe a frappé vendredi la gare de Kramatorsk, où des civils attendaient un train, "
                   "tuant au moins 50 personnes, selon les autorités ukrainiennes.", "fr")
    assert frame.event_type == "incident"
    assert {"RU", "UA"} <= set(frame.parties)


def test_russian_forces_in_a_meeting_do_not_make_a_party():
    frame = _frame("Macron and Scholz meet in Berlin\n\n"
                   "French President Emmanuel Macron and German Chancellor Olaf Scholz met in Berlin on Monday "
                   "as Russian forces pressed their offensive.", "en")
    assert "RU" not in frame.parties


def test_leaders_received_by_a_leader_meet_at_a_summit():
    frame = _frame("Antonio Guterres reçu au Kremlin par Vladimir Poutine\n\n"
                   "Le secrétaire général de l'ONU, Antonio Guterres, a été reçu mardi par le président russe "
                   "Vladimir Poutine, après une journée de discussions avec Sergueï Lavrov.", "fr")
    assert frame.event_type == "summit"
    assert frame.parties == ["RU", "UN"]


def test_a_speech_before_a_foreign_parliament_makes_its_state_a_party():
    text = ("Zelensky au Capitole\n\n"
            "Volodymyr Zelensky a prononcé mercredi un discours devant le Congrès au Capitole, à Washington. "
            "« L'Ukraine est vivante et se bat », a déclaré Volodymyr Zelensky.")
    doc = load_pipeline("fr", Settings().spacy_model_fr)(text)
    gazetteer = load_gazetteer()
    _, people = extract_entities(doc, "fr", gazetteer, Limits())
    frame = build_frame(doc, "fr", gazetteer, people, NO_DATE, quotes=extract_quotes(text, "fr", people))
    assert frame.event_type == "speech"
    assert frame.location.country == "US"
    assert frame.parties == ["UA", "US"]


def test_a_nationality_is_never_a_venue():
    frame = _frame(
        "Présidentielle : Emmanuel Macron officialise sa candidature dans une « Lettre aux Français » "
        "publiée jeudi dans la presse régionale.", "fr")
    assert frame.location.place != "Français"
    assert frame.location.country is None


@pytest.mark.parametrize(("context", "expected"), [
    ("negociations a", True), ("a", True), ("les pourparlers en", True), ("rencontre en la", True),
    ("ukraine", False), ("blema", False), ("", False),
])
def test_ends_with_a_cue_word_whole_or_after_a_space(context, expected):
    assert ends_with(context, Endings.of(("a", "en", "lors de"))) is expected


def test_foreign_ministers_talks_are_a_ministerial_meeting_from_their_roles():
    """No trigger names a minister: their roles (apposition or gazetteer) say who met."""
    frame = _frame("Lavrov et Kouleba se parlent à Antalya, sans avancée\n\n"
                   "Sergueï Lavrov et Dmytro Kouleba ont discuté jeudi à Antalya pendant une heure et demie.", "fr")
    assert frame.event_type == "ministerial_meeting"
    assert frame.reports_event


def test_an_article_reporting_no_event_says_so_in_its_frame():
    frame = _frame("Le XV de France bat l'Irlande au Stade de France\n\n"
                   "Les Bleus ont dominé la rencontre de bout en bout samedi soir.", "fr")
    assert frame.event_type == "other"
    assert frame.confidence["event_type"] <= 0.1 and not frame.reports_event


# --------------------------------------------------------------------------- rounds of a series


@pytest.mark.parametrize("text, event_type, expected", [
    ("Le 35e sommet de l'Union africaine s'ouvre à Addis-Abeba\n\n"
     "Les chefs d'État et de gouvernement africains se sont réunis dimanche à Addis-Abeba pour le "
     "35e sommet de l'Union africaine.", "summit", 35),  # a summit of a recurring series
    ("Syrie : ouverture de Genève IV\n\n"
     "Les délégations du régime syrien et de l'opposition ont repris jeudi à Genève leurs pourparlers "
     "sous l'égide de l'ONU, lors du cycle de négociations dit « Genève IV ».", "negotiation_round", 4),  # named by its venue
])
def test_rounds_of_summits_and_of_series_named_by_their_venue(text, event_type, expected):
    frame = _frame(text, "fr")
    assert (frame.event_type, frame.round) == (event_type, expected)


def _participant(frame, name):
    return next(p for p in frame.participants if p.name == name)


@pytest.mark.parametrize(("text", "language", "name", "role", "party"), [
    # initials do not end the clause of a title
    ("U.S. President Donald Trump met Kim Jong Un in Hanoi on Wednesday.", "en", "Donald Trump", "U.S. President", "US"),
    # a two-word demonym
    ("Donald Trump met North Korean leader Kim Jong Un in Hanoi on Wednesday.", "en", "Kim Jong Un",
     "North Korean leader", "KP"),
    # an apposition whose role noun comes after a possessive and a qualifier
    ("Abdul Ghani Baradar, the Taliban's deputy leader, met Zalmay Khalilzad in Doha on Saturday.", "en",
     "Abdul Ghani Baradar", "Taliban's deputy leader", "TALIBAN"),
    ("Talks in Doha\n\nTaliban negotiator Abdul Ghani Baradar met U.S. envoy Zalmay Khalilzad on Saturday.", "en",
     "Zalmay Khalilzad", "U.S. envoy", "US"),
    # a non-state party's member, in French; a meeting verb ends the role before the name
    ("Le négociateur en chef turc Ahmet Yilmaz a rencontré à Genève le chef des talibans, Hibatullah Akhundzada.",
     "fr", "Hibatullah Akhundzada", "chef des talibans", "TALIBAN"),
    ("Le négociateur en chef turc Ahmet Yilmaz a rencontré à Genève le chef des talibans, Hibatullah Akhundzada.",
     "fr", "Ahmet Yilmaz", "négociateur en chef turc", "TR"),
    # the party named right after the person
    ("Negotiators met in Oslo. Lead negotiator Pablo Beltrán of the ELN said talks would go on.", "en",
     "Pablo Beltrán", "Lead negotiator", "ELN"),
    # lower-case qualifiers before the role noun
    ("EU foreign policy chief Catherine Ashton met Serbian Prime Minister Ivica Dacic in Brussels.", "en",
     "Catherine Ashton", "EU foreign policy chief", "EU"),
])
def test_a_persons_party_is_read_from_the_text(text, language, name, role, party):
    participant = _participant(_frame(text, language), name)
    assert (participant.role, participant.party) == (role, party)


def test_a_state_an_ambassador_is_posted_to_is_not_the_party():
    frame = _frame("L'émissaire Richard Grenell, ancien ambassadeur en Allemagne, a réuni Belgrade et Pristina.", "fr")
    assert _participant(frame, "Richard Grenell").party != "DE"


def test_a_role_holding_another_persons_name_is_not_this_persons():
    frame = _frame("Le dirigeant était accompagné du ministre Álvaro Leyva et du chef négociateur Otty Patiño, "
                   "Antonio García, lors de la cérémonie à La Havane.", "fr")
    assert "négociateur" not in (_participant(frame, "Antonio García").role or "")


def test_a_state_opening_a_paragraph_does_not_share_the_standing_of_the_venue_before_it():
    frame = _frame("Peace talks resume in Havana\n\nColombia's chief negotiator met the FARC delegation "
                   "in Havana on Monday.", "en")
    assert "CO" in frame.parties and frame.location.country == "CU"


def test_hollande_after_a_first_name_or_a_title_is_the_person_not_the_netherlands():
    frame = _frame("Le président François Hollande a reçu la chancelière allemande Angela Merkel à Paris lundi. "
                   "Hollande a plaidé pour un accord.", "fr")
    assert "NL" not in frame.parties
    assert _participant(frame, "François Hollande").party == "FR"


def test_a_known_persons_party_is_the_one_of_the_events_year():
    text = "Josep Borrell a rencontré son homologue à Madrid pour des entretiens."
    nlp = load_pipeline("fr", Settings().spacy_model_fr)
    doc = nlp(text)
    gazetteer = load_gazetteer()
    _, people = extract_entities(doc, "fr", gazetteer, Limits())
    dated = {year: _participant(build_frame(doc, "fr", gazetteer, people, EventDate(date=f"{year}-05-01",
                                                                                    precision="day")),
                                "Josep Borrell").party for year in (2018, 2022)}
    assert dated == {2018: "ES", 2022: "EU"}


def test_a_list_of_leaders_is_not_an_apposition_but_adviser_to_a_leader_is():
    frame = _frame("Tokyo summit\n\nJoe Biden, Japanese Prime Minister Fumio Kishida and Indian Prime Minister "
                   "Narendra Modi met in Tokyo. Abdul Karim, adviser to Prime Minister Fumio Kishida, said so.", "en")
    assert _participant(frame, "Joe Biden").party == "US"
    assert _participant(frame, "Abdul Karim").party == "JP"


def test_an_agreement_named_after_a_city_does_not_place_the_meeting_there():
    frame = _frame("Yémen : les belligérants réunis à Amman\n\n"
                   "AMMAN (AFP) - Les délégations du gouvernement yéménite et des rebelles se sont retrouvées lundi "
                   "à Amman pour discuter d'un échange de prisonniers, conformément aux accords de Stockholm.", "fr")
    assert frame.location.country == "JO"


def test_at_a_summit_a_leader_of_no_party_is_only_mentioned():
    frame = _frame("Johnson and Varadkar meet near Liverpool\n\nBritish Prime Minister Boris Johnson and Irish Prime "
                   "Minister Leo Varadkar held talks on Thursday near Liverpool on the Irish border.\n\nPresident "
                   "Michael Higgins said on Friday that the talks were welcome.", "en")
    assert frame.event_type == "summit" and set(frame.parties) == {"GB", "IE"}
    assert {p.canonical for p in frame.participants} == {"Boris Johnson", "Leo Varadkar"}
    assert "Michael Higgins" in {p.canonical for p in frame.mentioned}  # a president, of no party the text names


def test_a_speech_has_its_speaker_as_only_participant():
    frame = _frame("Joe Biden s'adresse aux Polonais à Varsovie\n\nAux côtés du président polonais Andrzej Duda, le "
                   "président américain Joe Biden a prononcé samedi un discours au château royal de Varsovie. « Cet "
                   "homme ne peut pas rester au pouvoir », a déclaré Joe Biden à propos de Vladimir Poutine.", "fr")
    assert frame.event_type == "speech"
    assert [p.canonical for p in frame.participants] == ["Joe Biden"]
    assert {"Vladimir Putin", "Andrzej Duda"} <= {p.canonical for p in frame.mentioned}


GOVERNMENT_AND_OPPOSITION = (
    "Venezuela : le pouvoir et l'opposition reprennent le dialogue à Mexico\n\nLes délégations du gouvernement "
    "vénézuélien et de l'opposition ont repris vendredi à Mexico leurs négociations, sous l'égide de la Norvège.")


@pytest.mark.parametrize(("year", "opposition"), [(2021, "PUD"), (2016, "MUD")])
def test_the_opposition_is_the_body_that_stood_for_it_that_year(year, opposition):
    """organisations.yaml says which body stands for a state's opposition in which years."""
    frame = _frame(GOVERNMENT_AND_OPPOSITION, "fr", EventDate(date=f"{year}-09-03", precision="day"))
    assert frame.parties == sorted(["VE", opposition])


@pytest.mark.parametrize(("language", "text"), [
    ("fr", "Syrie : fin de Genève IV\n\nLe médiateur de l'ONU a clos vendredi le quatrième cycle de négociations "
           "sur la Syrie à Genève, avec un ordre du jour accepté par le régime et l'opposition."),
    ("en", "Syria talks collapse\n\nThe U.N. mediator for Syria apologized on Saturday after a second round of "
           "peace talks between the government and the opposition ended without progress."),
])
def test_the_side_named_with_the_government_is_a_party(language, text):
    frame = _frame(text, language, EventDate(date="2017-03-03", precision="day"))
    assert frame.parties == ["HNC", "SY"]


@pytest.mark.parametrize(("lead", "inside"), [
    ("Les dirigeants chypriote-grec et chypriote-turc ont entamé lundi en Suisse cinq jours de négociations "
     "intensives sous l'égide de l'ONU.", True),
    ("Les délégations chypriote-grecque et chypriote-turque ont entamé lundi en Suisse cinq jours de négociations "
     "intensives sous l'égide de l'ONU.", False),
])
def test_leaders_the_lead_says_negotiate_take_part_where_the_body_names_them(lead, inside):
    """Leaders whose delegations meet take part only when their own clause in the title or lead says
    so; when the lead says the leaders themselves negotiate, the body naming them is enough."""
    frame = _frame("Chypre : négociations en Suisse\n\n" + lead + "\n\nLe président chypriote Nicos Anastasiades "
                   "et le dirigeant chypriote-turc Mustafa Akinci se sont retrouvés dans un hôtel de Mont-Pèlerin.", "fr",
                   EventDate(date="2016-11-07", precision="day"))
    assert frame.event_type == "negotiation_round"
    assert ("Nicos Anastasiades" in {p.canonical for p in frame.participants}) == inside


@pytest.mark.parametrize(("day", "parties"), [("1995-09-08", ["BA", "HR", "YU"]), ("2023-09-08", ["BA", "HR", "RS"])])
def test_a_state_is_the_historic_state_it_was_part_of_on_the_events_day(day, parties):
    frame = _frame("Bosnie : accord à Genève entre Sarajevo, Zagreb et Belgrade\n\nLes ministres des Affaires étrangères "
                   "bosniaque, croate et serbe se sont entendus vendredi à Genève sur les principes d'un accord de paix.",
                   "fr", EventDate(date=day, precision="day"))
    assert frame.parties == parties


def test_an_opposition_as_a_stance_or_rebels_as_an_adjective_are_no_side():
    frame = _frame("Les ministres réunis à Berlin demandent le report des élections séparatistes\n\n"
                   "Les ministres des Affaires étrangères de la France, de l'Allemagne, de la Russie et de l'Ukraine "
                   "se sont réunis mercredi à Berlin. Kiev a redit son opposition au scrutin.", "fr",
                   EventDate(date="2015-10-07", precision="day"))
    assert not {"DPR", "LPR"} & set(frame.parties), frame.parties


def test_rebels_named_as_a_side_of_the_talks_are_their_party():
    frame = _frame("Kiev et les séparatistes signent un cessez-le-feu à Minsk\n\nLes représentants de Kiev et "
                   "les séparatistes prorusses ont signé vendredi à Minsk un protocole de cessez-le-feu.", "fr",
                   EventDate(date="2014-09-05", precision="day"))
    assert {"DPR", "LPR", "UA"} <= set(frame.parties), frame.parties


def test_the_ministers_of_an_organisations_ministerial_meeting_take_part():
    """Named without a cue of taking part, the foreign ministers at a G20 ministerial meeting are there."""
    frame = _frame("Les ministres des Affaires étrangères du G20 réunis à Bali\n\nLes chefs de la diplomatie du "
                   "G20 sont réunis vendredi à Bali pour une réunion ministérielle. La ministre indonésienne des Affaires "
                   "étrangères Retno Marsudi a ouvert les travaux. Le secrétaire d'État américain Antony Blinken a "
                   "appelé à la fin de la guerre.", "fr")
    assert frame.event_type == "ministerial_meeting" and "G20" in frame.parties, frame
    assert {"Retno Marsudi", "Antony Blinken"} <= {p.name for p in frame.participants}


def test_a_country_before_talks_is_their_matter_a_city_their_venue():
    frame = _frame("Damascus announces Idlib truce as Syria talks open in Nur-Sultan\n\nNUR-SULTAN — The Syrian army "
                   "said on Thursday it would observe a ceasefire, as a new round of talks on Syria opened.", "en")
    assert (frame.location.place, frame.location.country) == ("Astana", "KZ")
    frame = _frame("Istanbul talks end without a deal\n\nRussian and Ukrainian negotiators ended their talks.", "en")
    assert frame.location.country == "TR"


def test_the_venue_is_the_country_its_mentions_place_the_event_in_most():
    """'Zones in Syria' and 'the ceremony in Kazakhstan' weigh the same in the lead: the dateline
    tips it, as every mention of a country's places adds up."""
    frame = _frame("Russia, Iran, Turkey sign safe-zone plan\n\nASTANA, Kazakhstan (Reuters) - Russia, Iran and Turkey "
                   "signed a memorandum on Thursday to set up de-escalation zones in Syria, but rebels stormed out of "
                   "the signing ceremony in Kazakhstan.", "en")
    assert frame.location.country == "KZ", frame.location


def test_a_country_after_a_french_dative_is_no_venue_but_a_seat_of_power_is():
    frame = _frame("Les Vingt-Sept accordent à l'Ukraine le statut de candidat\n\nBRUXELLES (AFP) - Les dirigeants de "
                   "l'UE ont accordé jeudi à l'Ukraine le statut de pays candidat.", "fr")
    assert frame.location.country == "BE", frame.location
    frame = _frame("Sommet à l'Élysée\n\nFrançois Hollande accueille vendredi à l'Élysée Angela Merkel et Vladimir "
                   "Poutine pour un sommet.", "fr")
    assert frame.location.country == "FR", frame.location


def test_an_embassy_moved_to_a_city_does_not_place_the_meeting_there():
    frame = _frame("Serbia and Kosovo sign economic deal\n\nWASHINGTON (AP) — The leaders of Serbia and Kosovo signed "
                   "commitments on Friday, and Serbia agreed to move its embassy in Israel to Jerusalem. Kosovo is to open "
                   "an embassy in Jerusalem.", "en")
    assert frame.location.country == "US", frame.location


def test_a_us_state_the_ner_finds_is_in_the_united_states():
    frame = _frame("Pourparlers de paix dans l'Ohio\n\nLes délégations bosniaque, croate et serbe ont ouvert mercredi "
                   "des négociations de paix dans l'Ohio, sur une base aérienne.", "fr")
    assert frame.location.country == "US"
