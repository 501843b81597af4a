"""The one resolver: typed names of authorities, topics, roles and cohorts -> canonical names.

Every route, CLI command and query builder goes through a ``Resolver``; none compares names by
itself. Authorities come from the store (those with a current document) plus the other names
the corpus manifest gives them (``authorities: {Dudley: {aliases: [DMBC]}}``); topics, roles and
cohorts from the taxonomy (synonyms and abbreviations included).

A misspelt authority ("wokinham") resolves to the closest held one *with a note saying so*;
a name close to none is an ``UnknownAuthorityError`` listing the held ones. Nothing is ever
widened silently: a caller either gets a canonical name (and, when it was a guess, the note
to show) or an error.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import Path
from typing import Any

from ingest.errors import (
    BadRequestError,
    ManifestError,
    UnknownAuthorityError,
    UnknownCohortError,
    UnknownRoleError,
    UnknownTopicError,
)

# Spelling similarity (difflib ratio, 0-1) above which a typed name is read as a held
# authority's name. Chosen so that one or two slips in a name of 6+ letters pass ("wokinham"
# 0.94, "sandwel" 0.93, "dudly" 0.91, "wiltshir" 0.94) while different places sharing a few
# letters do not ("Walsall" v Sandwell 0.53, "Sandwich" v Sandwell 0.62, "Salford" v
# Stafford 0.80).
FUZZY_AUTHORITY_MIN = 0.84
# Words shorter than this are never read as a misspelt authority (too many short words are a
# letter or two away from something).
FUZZY_MIN_LENGTH = 5
# Longest run of words considered as one place name in free text ("North East Lincolnshire").
MAX_NAME_WORDS = 4
# Typed spans remembered per resolver (one store generation): questions repeat their words.
CLOSEST_CACHE_SIZE = 50_000

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
# A place named after these words is what a question is about ("... in Leeds?", "for Dudley").
_PLACE_CUE = re.compile(r"^(?:in|for|at|from|by)$", re.I)
_POSSESSIVE = re.compile(r"['’]s$")


def _fold(text: str) -> str:
    """Case, spacing and possessive folded: how names are compared."""
    text = " ".join(text.replace("’", "'").split()).casefold()
    return _POSSESSIVE.sub("", text)


@dataclass(frozen=True)
class Resolved:
    """A typed name and the canonical name it resolved to.

    ``exact`` is False when it was matched by spelling similarity; then ``note`` says so, and
    every view that uses the name must show the note.
    """

    name: str
    typed: str
    exact: bool = True

    @property
    def note(self) -> str | None:
        """"Read 'wokinham' as Wokingham." for a guessed name, None for an exact one."""
        if self.exact:
            return None
        return f"Read '{self.typed}' as {self.name} (the closest authority whose standards are held)."


@dataclass(frozen=True)
class PlaceMention:
    """A place named in free text: resolved to a held authority, or ``name`` None when none is close."""

    typed: str
    start: int
    end: int
    resolved: Resolved | None


class Resolver:
    """Canonical names for what users type. Build one per store generation (``from_store``)."""

    def __init__(self, authorities: dict[str, list[str]], taxonomy: Any):
        # canonical -> other names (aliases), canonical names first in alphabetical order
        self.known: list[str] = sorted(authorities)
        self.taxonomy = taxonomy
        self._lookup: dict[str, str] = {}
        self._closest_cache: dict[str, str | None] = {}
        for canonical in self.known:
            for name in [canonical, *authorities.get(canonical, [])]:
                self._lookup.setdefault(_fold(name), canonical)
        # Longest first, so "Sandwell Children's Trust" wins over "Sandwell".
        names = sorted(self._lookup, key=len, reverse=True)
        self._pattern = (
            re.compile(
                r"(?<![\w])(?:" + "|".join(r"[\s\-]+".join(re.escape(w) for w in n.split()) for n in names)
                + r")(?:['’]s)?(?![\w])",
                re.I,
            )
            if names else None
        )

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_store(cls, conn: sqlite3.Connection, corpus_dir: Path | None, taxonomy: Any = None) -> Resolver:
        """Authorities with a current document in the store, their manifest aliases, the taxonomy."""
        from ingest.store import authorities

        if taxonomy is None:
            from extractors.taxonomy import load_taxonomy

            taxonomy = load_taxonomy()
        return cls({a: aliases_of(corpus_dir).get(a, []) for a in authorities(conn)}, taxonomy)

    # --- authorities ----------------------------------------------------------------------
    def authority(self, name: str) -> Resolved:
        """The held authority ``name`` means (name or alias, any case; a close misspelling with a note)."""
        typed = " ".join((name or "").split())
        if not typed:
            raise BadRequestError("The authority is empty. Give one of: " + self._known_list() + ".")
        if any(ord(ch) < 32 for ch in typed):
            raise BadRequestError("The authority name contains control characters; type the name only.")
        exact = self._lookup.get(_fold(typed))
        if exact is not None:
            return Resolved(exact, typed, True)
        close = self._closest(typed)
        if close is not None:
            return Resolved(close, typed, False)
        raise UnknownAuthorityError(f"No standards are held for authority {typed!r}. Known: {self._known_list()}.")

    def exact(self, name: str) -> str | None:
        """The held authority that ``name`` is exactly (name or alias, any case or spacing), else
        None: no spelling guess. For naming a *new* document's authority, where a guess would
        silently file it under another authority."""
        return self._lookup.get(_fold(" ".join((name or "").split())))

    def authorities(self, names: list[str] | None) -> list[Resolved]:
        """Each of ``names`` resolved (blank entries skipped, duplicates dropped); raises on an unknown one."""
        out: list[Resolved] = []
        for name in names or []:
            if name is None or not str(name).strip():
                continue
            found = self.authority(str(name))
            if all(r.name != found.name for r in out):
                out.append(found)
        return out

    def places_in_text(self, text: str, vocabulary: frozenset[str] = frozenset()) -> list[PlaceMention]:
        """Places a question names, in order: held authorities (exact or, with a note, misspelt)
        and capitalised place names after "in"/"for"/... that match no held authority.

        ``vocabulary`` holds lower-case words that are never place names (domain and question
        words); they are neither read as a misspelt authority nor reported as unknown places.
        """
        found: list[PlaceMention] = []
        taken: list[tuple[int, int]] = []
        if self._pattern is not None:
            for m in self._pattern.finditer(text):
                canonical = self._lookup[_fold(m.group(0))]
                found.append(PlaceMention(m.group(0), m.start(), m.end(), Resolved(canonical, m.group(0), True)))
                taken.append((m.start(), m.end()))
        words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
        i = 0
        while i < len(words):
            word, start, _ = words[i]
            if any(a <= start < b for a, b in taken):
                i += 1
                continue
            cued = i > 0 and _PLACE_CUE.match(words[i - 1][0]) is not None
            best: tuple[int, Resolved] | None = None
            for n in range(MAX_NAME_WORDS, 0, -1):
                if i + n > len(words):
                    continue
                span = words[i:i + n]
                if any(any(a <= s < b for a, b in taken) for _, s, _ in span):
                    continue
                typed = text[span[0][1]:span[-1][2]]
                if all(_fold(w) in vocabulary for w, _, _ in span):
                    continue
                close = self._closest(typed)
                if close is not None:
                    best = (n, Resolved(close, typed, False))
                    break
            if best is not None:
                n, resolved = best
                end = words[i + n - 1][2]
                found.append(PlaceMention(resolved.typed, start, end, resolved))
                taken.append((start, end))
                i += n
                continue
            if cued and word[:1].isupper() and _fold(word) not in vocabulary:
                # An unknown capitalised name after "in"/"for": take the run of capitalised words.
                j = i
                while j + 1 < len(words) and words[j + 1][0][:1].isupper() and _fold(words[j + 1][0]) not in vocabulary:
                    j += 1
                typed = text[start:words[j][2]]
                found.append(PlaceMention(_POSSESSIVE.sub("", typed), start, words[j][2], None))
                i = j + 1
                continue
            i += 1
        found.sort(key=lambda p: p.start)
        return found

    def strip_authorities(self, text: str, vocabulary: frozenset[str] = frozenset()) -> str:
        """``text`` without the places it names (they are filters, not topic words)."""
        out = text
        for place in sorted(self.places_in_text(text, vocabulary), key=lambda p: -p.start):
            out = out[:place.start] + " " + out[place.end:]
        return " ".join(out.split())

    def _closest(self, typed: str) -> str | None:
        """The held authority whose name or alias is spelt most like ``typed``, if close enough."""
        folded = _fold(typed)
        if folded in self._closest_cache:
            return self._closest_cache[folded]
        best, best_ratio = None, 0.0
        if len(folded.replace(" ", "")) >= FUZZY_MIN_LENGTH:
            for name, canonical in self._lookup.items():
                if name[:1] != folded[:1]:
                    continue  # a slip rarely changes the first letter; this spares many false readings
                matcher = SequenceMatcher(None, folded, name)
                # The quick upper bounds reject most names without the full comparison.
                if matcher.real_quick_ratio() < FUZZY_AUTHORITY_MIN or matcher.quick_ratio() < FUZZY_AUTHORITY_MIN:
                    continue
                ratio = matcher.ratio()
                if ratio > best_ratio:
                    best, best_ratio = canonical, ratio
        found = best if best_ratio >= FUZZY_AUTHORITY_MIN else None
        if len(self._closest_cache) < CLOSEST_CACHE_SIZE:
            self._closest_cache[folded] = found
        return found

    def _known_list(self) -> str:
        return ", ".join(self.known) or "none yet (ingest a document first: standards ingest corpus/)"

    # --- taxonomy names -------------------------------------------------------------------
    @cached_property
    def topic_names(self) -> list[str]:
        """Every canonical topic, in the taxonomy's (journey) order."""
        return self.taxonomy.topic_names()

    def topic(self, name: str) -> str:
        """The canonical topic for a name, synonym or abbreviation; the best match of a phrase
        naming one topic more strongly than any other; else UnknownTopicError listing them."""
        wanted = " ".join((name or "").split())
        if not wanted:
            raise BadRequestError("The topic is empty. Give one, e.g. 'core group meeting' (list: GET /api/topics).")
        try:
            return self.taxonomy.topic(wanted).name
        except UnknownTopicError:
            matches = self.taxonomy.match_topics(wanted)
            if len(matches) == 1 or (matches and matches[0][1] > matches[1][1]):
                return matches[0][0]
            raise UnknownTopicError(
                f"Unknown topic {wanted!r}. Known topics: {', '.join(sorted(self.topic_names))}."
            ) from None

    def role(self, name: str) -> str:
        """The canonical role for a name or synonym ("SW"); a text naming several roles is ambiguous."""
        wanted = " ".join((name or "").split())
        for role in self.taxonomy.roles:
            if role.casefold() == wanted.casefold():
                return role
        found = self.taxonomy.roles_in(wanted)
        if len(found) == 1:
            return found[0]
        raise UnknownRoleError(f"Unknown role {name!r}. Known roles: {', '.join(self.taxonomy.role_names())}.")

    def cohort(self, name: str) -> str:
        """The canonical cohort for a name or synonym ("LAC" -> "children in care")."""
        wanted = " ".join((name or "").split())
        for cohort in self.taxonomy.cohorts:
            if cohort.casefold() == wanted.casefold():
                return cohort
        found = self.taxonomy.canonical_cohort(wanted) if wanted else None
        if found:
            return found
        # Part of exactly one cohort's name ("child protection" -> "children subject to a child
        # protection plan"); part of several is ambiguous and listed like an unknown one.
        within = [c for c in self.taxonomy.cohorts if wanted and wanted.casefold() in c.casefold()]
        if len(within) == 1:
            return within[0]
        raise UnknownCohortError(
            f"Unknown cohort {name!r}. Known cohorts: {', '.join(self.taxonomy.cohort_names())}."
        )


def aliases_of(corpus_dir: Path | None) -> dict[str, list[str]]:
    """Authority -> other names from the corpus manifest (empty without a valid manifest)."""
    if corpus_dir is None:
        return {}
    from ingest.manifest import authority_aliases, manifest_path

    if not manifest_path(Path(corpus_dir)).is_file():
        return {}
    try:
        return authority_aliases(Path(corpus_dir))
    except ManifestError:
        return {}
