"""Where the tests find the repository's files, wherever a test module sits under tests/."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS_DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "examples"
SEED = EXAMPLES / "000_0a95cf361c5ddf75.txt"
