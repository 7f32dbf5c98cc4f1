"""The matcher: a BM25F index over procedures, and the search that explains itself.

BM25F (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009,
§3.2) scores a term once per procedure, from its frequency in every field weighted by the field's
importance and normalised by the field's length. The weight of each (term, procedure) pair does
not depend on the query, so it is computed once at build time; a search is then a sum over the
query terms' posting arrays (numpy), which keeps a query in the milliseconds at thousands of
procedures.

Usage:
    index = MatchIndex.build(entries_for("akig", runbook))
    for match in index.search("la base de données ne répond plus", top=3):
        match.title, match.score, match.reasons
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from astreinte.domain.matching import signatures
from astreinte.domain.matching.analysis import (
    concept_mentions,
    concept_words,
    fold,
    phrase_terms,
    surfaces,
    term_groups,
    terms,
)
from astreinte.domain.matching.entries import FIELD_WEIGHTS, IndexEntry
from astreinte.domain.runbook.model import Level

K1 = 1.2
B = 0.75
TITLE_COVERAGE = 0.7
PREFIX_WEIGHT = 0.4
CONCEPT_WEIGHT = 1.0
UNKNOWN_WORD_WEIGHT = 1.0
SIGNATURE_WEIGHT = 2.0  # a recognised error signature is strong evidence of its component
# Latin-root prefixes ("~deplo") are weak evidence: they bridge French and English cognates.
_BASE_WEIGHT = {"~": PREFIX_WEIGHT, "@": CONCEPT_WEIGHT}
_FIELDS = tuple(FIELD_WEIGHTS)
_TITLE_BIT = 1 << _FIELDS.index("title")
_ABOUT_BITS = _TITLE_BIT | (1 << _FIELDS.index("symptoms"))


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked procedure, with the reasons a human can check."""

    runbook_id: str
    source: str
    procedure_key: str
    title: str
    severity: str | None
    level: Level | None
    score: float
    reasons: tuple[str, ...]

    @property
    def procedure_id(self) -> str:
        return f"{self.runbook_id}/{self.procedure_key}"


@dataclass(slots=True)
class _Posting:
    docs: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]
    fields: npt.NDArray[np.uint8]  # bit i set: the term occurs in _FIELDS[i]
    idf: float


class MatchIndex:
    """An immutable index; build a new one when the catalogue changes (it takes well under a
    second for hundreds of procedures)."""

    def __init__(self, entries: list[IndexEntry], postings: dict[str, _Posting]) -> None:
        self.entries = entries
        self._postings = postings

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def build(cls, entries: Iterable[IndexEntry]) -> MatchIndex:
        entries = list(entries)
        counts: list[dict[str, Counter[str]]] = []
        lengths: dict[str, list[int]] = {field: [] for field in _FIELDS}
        for entry in entries:
            per_field = {field: Counter(terms(text)) for field, text in entry.fields}
            counts.append(per_field)
            for field in _FIELDS:
                lengths[field].append(sum(per_field.get(field, Counter()).values()))
        average = {f: (sum(v) / len(v) if v and sum(v) else 1.0) for f, v in lengths.items()}

        # Flat arrays of (term, procedure, weighted tf, field bit), one run per field of each
        # procedure; numpy then sums each (term, procedure) pair: the loop stays per field,
        # not per term, which keeps a 5,000-procedure build within seconds.
        term_ids: dict[str, int] = {}
        runs: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int, int]] = []
        for number, per_field in enumerate(counts):
            for bit, field in enumerate(_FIELDS):
                counter = per_field.get(field)
                if not counter:
                    continue
                norm = 1 - B + B * lengths[field][number] / average[field]
                ids = np.fromiter(
                    (term_ids.setdefault(term, len(term_ids)) for term in counter),
                    dtype=np.int64,
                    count=len(counter),
                )
                tfs = np.fromiter(counter.values(), dtype=np.float64, count=len(counter))
                runs.append((ids, tfs * (FIELD_WEIGHTS[field] / norm), number, 1 << bit))
        total = len(entries)
        postings: dict[str, _Posting] = {}
        if not runs:
            return cls(entries, postings)
        term_of = np.concatenate([ids for ids, _, _, _ in runs])
        doc_of = np.concatenate([np.full(ids.size, n, dtype=np.int64) for ids, _, n, _ in runs])
        values = np.concatenate([tfs for _, tfs, _, _ in runs])
        bits = np.concatenate([np.full(ids.size, bit, dtype=np.int64) for ids, _, _, bit in runs])
        key = term_of * max(total, 1) + doc_of
        order = np.argsort(key, kind="stable")
        unique, starts = np.unique(key[order], return_index=True)
        combined = np.add.reduceat(values[order], starts)
        masks = np.bitwise_or.reduceat(bits[order], starts)
        term_of, doc_of = unique // max(total, 1), unique % max(total, 1)

        # A term's rarity is counted where a procedure says what it is about (title, symptoms):
        # commands and context name PostgreSQL in nearly every procedure of a PostgreSQL shop,
        # which would make "database" worthless where one procedure is about the database.
        # Terms never found there fall back to every field.
        about = np.bincount(term_of[(masks & _ABOUT_BITS) > 0], minlength=len(term_ids))
        everywhere = np.bincount(term_of, minlength=len(term_ids))
        df = np.where(about > 0, about, everywhere).astype(np.float64)
        idf = np.log(1 + (total - df + 0.5) / (df + 0.5))
        weights = idf[term_of] * combined * (K1 + 1) / (K1 + combined)
        bounds = np.flatnonzero(np.diff(term_of)) + 1
        names = list(term_ids)
        for start, end in zip(
            np.concatenate(([0], bounds)), np.concatenate((bounds, [term_of.size])), strict=True
        ):
            term = int(term_of[start])
            postings[names[term]] = _Posting(
                docs=doc_of[start:end].astype(np.int32),
                weights=weights[start:end].astype(np.float32),
                fields=masks[start:end].astype(np.uint8),
                idf=float(idf[term]),
            )
        return cls(entries, postings)

    def search(
        self,
        query: str,
        *,
        top: int = 5,
        runbook: str | None = None,
        service: str | None = None,
    ) -> list[Match]:
        """The best procedures for `query`, best first; empty when nothing shares a term.

        `runbook` keeps one runbook's procedures; `service` keeps the runbooks whose name, title
        or stack mentions it (ignored when no runbook does, so an unknown label never hides the
        answer).
        """
        if not self.entries or top <= 0:
            return []
        hits = signatures.detect(query)
        groups = self._query_groups(query, hits)
        size = len(self.entries)
        scores = np.zeros(size, dtype=np.float32)
        in_title = np.zeros(size, dtype=np.float32)
        asked = 0.0
        for group in groups:
            found = [(self._postings[t], w) for t, w in group if t in self._postings]
            if not found:
                continue
            if len(found) == 1:
                posting, weight = found[0]
                scores[posting.docs] += weight * posting.weights
                titled = (posting.fields & _TITLE_BIT) > 0
                in_title[posting.docs[titled]] += weight * posting.idf
                asked += weight * posting.idf
                continue
            # Alternative spellings of one word: each procedure counts its best one.
            best = np.zeros(size, dtype=np.float32)
            best_title = np.zeros(size, dtype=np.float32)
            for posting, weight in found:
                best[posting.docs] = np.maximum(best[posting.docs], weight * posting.weights)
                named = posting.docs[(posting.fields & _TITLE_BIT) > 0]
                best_title[named] = np.maximum(best_title[named], weight * posting.idf)
            scores += best
            in_title += best_title
            asked += max(weight * posting.idf for posting, weight in found)
        weights = {term: weight for group in groups for term, weight in group}
        if asked > 0:
            # A title that names more of what was asked ("PostgreSQL inaccessible" for "the
            # database is down") says the procedure is about it, not that it mentions it.
            scores *= 1 + TITLE_COVERAGE * in_title / asked
        allowed = self._scope(runbook=runbook, service=service)
        if allowed is not None:
            scores *= allowed
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        if candidates.size > top:
            # Only the best `top` need sorting; ties keep document order, so results are stable.
            kept = np.argpartition(-scores[candidates], top - 1)[:top]
            candidates = np.sort(candidates[kept])
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        said = surfaces(query)
        return [self._match(int(i), float(scores[i]), weights, said, hits) for i in order]

    # -- query side -------------------------------------------------------------------------
    def _query_groups(
        self, query: str, hits: list[signatures.Hit]
    ) -> list[tuple[tuple[str, float], ...]]:
        """The query's words, each as its alternative terms with their weights."""
        weights: dict[tuple[str, ...], tuple[float, ...]] = {}
        for group in term_groups(query):
            if group in weights:  # a word repeated in a query adds a little, not linearly
                weights[group] = tuple(w * 1.25 for w in weights[group])
            else:
                weights[group] = tuple(_BASE_WEIGHT.get(term[0], 1.0) for term in group)
        for concept, phrase in concept_mentions(fold(query)):
            # A word this catalogue never uses ("database" where the runbook only says
            # PostgreSQL) can reach it only through its concept, which carries its weight too.
            if not any(t in self._postings for t in phrase_terms(phrase) if t[0] != "~"):
                weights[(concept,)] = (CONCEPT_WEIGHT + UNKNOWN_WORD_WEIGHT,)
        for hit in hits:
            for concept in hit.concepts:
                known = weights.get((concept,), (0.0,))[0]
                weights[(concept,)] = (max(known, SIGNATURE_WEIGHT),)
        return [tuple(zip(group, w, strict=True)) for group, w in weights.items()]

    def serves(self, service: str) -> bool:
        """Whether any runbook's name, title or stack mentions `service`."""
        wanted = fold(service).split()
        return any(word in entry.services for entry in self.entries for word in wanted)

    def _scope(self, *, runbook: str | None, service: str | None) -> npt.NDArray[np.float32] | None:
        if runbook is None and service is None:
            return None
        wanted = fold(service).split() if service else []
        allowed = np.zeros(len(self.entries), dtype=np.float32)
        for number, entry in enumerate(self.entries):
            if runbook is not None and runbook not in {entry.runbook_id, entry.source}:
                continue
            if wanted and not any(word in entry.services for word in wanted):
                continue
            allowed[number] = 1.0
        if service is not None and runbook is None and not allowed.any():
            return None
        return allowed

    # -- explanations -----------------------------------------------------------------------
    def _match(
        self,
        number: int,
        score: float,
        weights: dict[str, float],
        said: dict[str, str],
        hits: list[signatures.Hit],
    ) -> Match:
        entry = self.entries[number]
        contributions: list[tuple[float, str]] = []
        for term, weight in weights.items():
            posting = self._postings.get(term)
            if posting is None:
                continue
            position = int(np.searchsorted(posting.docs, number))
            if position >= posting.docs.size or posting.docs[position] != number:
                continue
            fields = [f for bit, f in enumerate(_FIELDS) if posting.fields[position] >> bit & 1]
            contributions.append(
                (weight * float(posting.weights[position]), _describe(term, said, fields))
            )
        contributions.sort(key=lambda item: -item[0])
        reasons = [hit.reason for hit in hits]
        # Two stems of one word ("econnrefused", "econnrefus") make one reason.
        reasons.extend(dict.fromkeys(text for _, text in contributions[:8]))
        if entry.severity or entry.level:
            label = entry.severity or ""
            level = f" ({entry.level.value})" if entry.level else ""
            reasons.append(f"severity from the runbook: {label}{level}".replace(":  (", ": ("))
        return Match(
            runbook_id=entry.runbook_id,
            source=entry.source,
            procedure_key=entry.procedure_key,
            title=entry.title,
            severity=entry.severity,
            level=entry.level,
            score=round(score, 3),
            reasons=tuple(reasons),
        )


def _describe(term: str, said: dict[str, str], fields: list[str]) -> str:
    where = ", ".join(fields)
    if term.startswith("@"):
        folded = said.get("", "")
        named = [w for w in concept_words(term) if w in folded]
        origin = f" (from '{named[0]}')" if named else ""
        return f"concept {term[1:]}{origin} matches the procedure's {where}"
    return f"'{said.get(term, term)}' in {where}"
