from talkwire.processors.cluster.fingerprint import (
    band_keys,
    copy_similarity,
    estimated_containment,
    minhash_signature,
    shingles,
)

PARAGRAPHS = [
    "L'Ukraine et la Russie ont convenu jeudi, à l'issue d'une deuxième session de pourparlers, "
    "d'organiser des couloirs humanitaires pour l'évacuation des civils des zones de combats.",
    "La deuxième session de négociations est terminée. Malheureusement, il n'y a pas encore les "
    "résultats escomptés pour l'Ukraine, a écrit sur Twitter Mikhaïlo Podoliak, conseiller de la présidence.",
    "La seule chose que je peux dire est que nous avons discuté en détail des aspects humanitaires "
    "parce que beaucoup de villes sont actuellement encerclées par les forces russes, a-t-il ajouté.",
    "Il s'est inquiété d'une situation dramatique avec la nourriture, les médicaments et les "
    "possibilités d'évacuation dans plusieurs villes du pays, selon son communiqué publié jeudi soir.",
    "Le chef de la délégation russe Vladimir Medinski a indiqué qu'une troisième session aurait lieu "
    "prochainement, sans préciser la date ni le lieu de cette nouvelle rencontre entre les délégations.",
]


def signature(paragraphs):
    return minhash_signature("\n\n".join(paragraphs))


def test_shingles_ignore_case_accents_and_punctuation():
    assert shingles("Évacuation des CIVILS, jeudi !") == shingles("evacuation des civils jeudi")


def test_copy_with_dropped_paragraph_and_light_edit_is_detected():
    original, n1 = signature(PARAGRAPHS)
    edited = PARAGRAPHS[:-1]
    edited[0] = edited[0].replace("jeudi", "ce jeudi")
    copy, n2 = signature(edited + ["Lire aussi : toute l'actualité de la guerre en Ukraine sur notre site."])
    assert copy_similarity(original, n1, copy, n2) is not None
    assert len(set(band_keys(original)) & set(band_keys(copy))) > 0


def test_different_texts_on_the_same_event_are_not_copies():
    first, n1 = signature(PARAGRAPHS)
    other, n2 = minhash_signature(
        "Russian and Ukrainian negotiators agreed on Thursday to open humanitarian corridors for civilians "
        "fleeing the fighting, after a second round of talks held in Belarus near the Polish border. "
        "Ukrainian presidential adviser Mykhailo Podolyak said the results were not what Kyiv had hoped for."
    )
    assert copy_similarity(first, n1, other, n2) is None


def test_containment_is_high_when_one_text_holds_the_other():
    assert estimated_containment(0.5, 100, 200) > 0.99
    assert estimated_containment(0.0, 100, 200) == 0.0
