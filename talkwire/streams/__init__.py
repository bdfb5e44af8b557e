"""Faust wiring: the app, its topics, tables and agents. Domain logic lives in ``talkwire.processors``."""
