"""One story of the word benchmark with its label: what every split and task is a list of."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Item:
    id: str
    text: str
    label: int
    exposures: int  # how often the word was seen in training
    # Training items only: the item's usage sentence among other training filler, without the
    # definition. Training uses it as a second query, so it practises the test's task
    # (recognise the word in a sentence that does not define it) on training sentences alone.
    probe: str | None = None
    # comprehension items only: the glosses to choose from and the index of the right one
    candidates: list[str] | None = None
    answer: int | None = None
    other: int | None = None  # `swapped` probe items only: the label of the word swapped in
