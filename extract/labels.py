"""Matching a report's (often damaged) row label to an official row label.

Features of a label are its jieba words and its character bigrams, both taken after numbering
and punctuation are removed; a feature's weight is its inverse frequency among the table's
official labels, so `国家秘密` decides and `公开` hardly counts. jieba carries whole words when a
label is merely wrapped or truncated; bigrams still match through OCR damage (`5以公开` shares
`以公` with 予以公开 and nothing with 不予公开).

A match is *confident* only when the best row clearly beats the runner-up; an ambiguous label
is treated as no label, and the table reader places that row by its position instead.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import regex

# Numbering (一、 （三） 1. 2、) and anything that is not a letter or digit carries no meaning.
_NUMBERING = regex.compile(r"[（(]?[一二三四五六七八九十]+[)）、.．]|[（(]\d+[)）]|\d+\s*[.、．]")
_NON_WORD = regex.compile(r"[^\p{Han}A-Za-z0-9]+")

MIN_SCORE = 0.45
MARGIN = 1.5


def clean(text: str) -> str:
    return _NON_WORD.sub("", _NUMBERING.sub("", text))


def _bigrams(text: str) -> set[str]:
    return {text[i: i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


# jieba's words of every official label, shipped with the package: loading jieba's dictionary
# costs half a second at every start, for labels that never change. `python -m
# xxgk.extract.labels` writes the file again from jieba (a test checks it is up to date).
WORDS_FILE = "official_words.json"


@cache
def _official_words() -> dict[str, list[str]]:
    return json.loads(resources.files("xxgk.extract").joinpath(WORDS_FILE).read_text(encoding="utf-8"))


@cache
def _words(text: str) -> frozenset[str]:
    known = _official_words().get(text)
    return frozenset(known) if known is not None else jieba_words(text)


def jieba_words(text: str) -> frozenset[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return frozenset(w for w in jieba.lcut(text) if len(w) >= 2)


@dataclass(frozen=True)
class Match:
    key: str | None      # the matched row, or None when no row is confidently matched
    score: float
    runner_up: float


class LabelMatcher:
    """Matches text against a fixed set of official labels (one matcher per table)."""

    def __init__(self, labels: dict[str, str]):
        self.keys = list(labels)
        cleaned = {k: clean(v) for k, v in labels.items()}
        self.words = {k: _words(t) for k, t in cleaned.items()}
        self.feats = {k: _bigrams(t) | self.words[k] for k, t in cleaned.items()}
        df: dict[str, int] = {}
        for fs in self.feats.values():
            for f in fs:
                df[f] = df.get(f, 0) + 1
        n = len(labels)
        self.idf = {f: math.log(1 + n / c) for f, c in df.items()}
        self.total = {k: sum(self.idf[f] for f in fs) for k, fs in self.feats.items()}
        self._cache: dict[str, Match] = {}

    def scores(self, text: str) -> dict[str, float]:
        """F1 of the label's features against each row's, weighted by inverse frequency.

        Recall alone would let a short official label (`3.其他`) claim any text containing
        其他; precision counts only features some official label has, so OCR junk is neutral.
        """
        t = clean(text)
        if not t:
            return {k: 0.0 for k in self.keys}
        grams = _bigrams(t)
        present = {f for f in self.idf if f in grams or (len(f) > 2 and f in t)}
        seen = sum(self.idf[f] for f in present)
        out = {}
        for k in self.keys:
            hit = sum(self.idf[f] for f in self.feats[k] if f in present)
            recall = hit / self.total[k] if self.total[k] else 0.0
            precision = hit / seen if seen else 0.0
            out[k] = 2 * recall * precision / (recall + precision) if hit else 0.0
        return out

    def match(self, text: str) -> Match:
        hit = self._cache.get(text)
        if hit is None:
            ranked = sorted(self.scores(text).items(), key=lambda kv: -kv[1])
            (best, s1), s2 = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
            ok = s1 >= MIN_SCORE and s1 >= MARGIN * s2
            hit = Match(best if ok else None, s1, s2)
            if len(self._cache) < 100_000:
                self._cache[text] = hit
        return hit


def official_labels() -> set[str]:
    """Every official label the table readers match against, cleaned."""
    from xxgk.extract.tables import applications, disclosure
    from xxgk.schema import TEMPLATES

    return {clean(label) for t in TEMPLATES for module in (applications, disclosure)
            for label in module.labels(t).values()}


def write_official_words(path) -> None:
    words = {label: sorted(jieba_words(label)) for label in sorted(official_labels())}
    path.write_text(json.dumps(words, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    from pathlib import Path

    write_official_words(Path(__file__).with_name(WORDS_FILE))
