"""Each shipped data set has a data card whose checksum matches the file, and the registry points at them."""

from __future__ import annotations

import re

from conftest import DATASETS, sha256
from ecomops.data import DATASETS as REGISTRY


def data_cards() -> dict[str, str]:
    """file name -> sha256, read from the cards in datasets/README.md."""
    text = (DATASETS / "README.md").read_text(encoding="utf-8")
    cards = {}
    for section in text.split("\n## ")[1:]:
        file = re.search(r"^\| file \| `([^`]+)`", section, re.M).group(1)
        checksum = re.search(r"^\| sha256 \| `([0-9a-f]{64})`", section, re.M).group(1)
        cards[file] = checksum
    return cards


def test_every_data_file_has_a_card_with_its_checksum():
    cards = data_cards()
    files = {p.name for p in DATASETS.iterdir() if p.name != "README.md"}
    assert set(cards) == files
    for name, checksum in cards.items():
        assert sha256(DATASETS / name) == checksum, name


def test_registry_names_existing_files_with_licence_and_citation():
    cards = data_cards()
    for dataset in REGISTRY.values():
        assert dataset.path.is_file() and dataset.filename in cards
        # a DOI where the publisher gives one; official statistics without a DOI cite the series' address
        assert dataset.licence and ("doi.org" in dataset.citation or "https://" in dataset.citation), dataset.name
