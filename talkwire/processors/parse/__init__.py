"""Stage 1, parse: a raw message (JSON article or dispatch text) to an ``Article``.

``parsing`` reads the message formats, ``text`` cleans and normalises the body, ``language``
detects the language.
"""
