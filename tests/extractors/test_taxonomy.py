"""The taxonomy data file: schema, coverage of the canonical topics, and lookups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from extractors.taxonomy import DATA_PATH, load_taxonomy, parse_taxonomy, read_taxonomy
from ingest.errors import TaxonomyError, UnknownTopicError

TOPICS_MD = Path(__file__).resolve().parents[2] / ".." / "shared" / "TOPICS.md"


def _canonical_topics_from_glossary() -> set[str]:
    text = TOPICS_MD.read_text(encoding="utf-8")
    names = set(re.findall(r"^- \*\*(.+?)\*\*:", text, flags=re.MULTILINE))
    reserved = text.split("## Reserved topic strings", 1)[1].split("## Abbreviations", 1)[0]
    names |= set(re.findall(r"\*\*(.+?)\*\*", reserved))
    return names


@pytest.mark.skipif(not TOPICS_MD.exists(), reason="shared glossary not present")
def test_every_canonical_topic_of_the_glossary_is_in_the_taxonomy():
    tax = load_taxonomy()
    missing = _canonical_topics_from_glossary() - set(tax.topics)
    assert not missing, f"topics missing from taxonomy.yaml: {sorted(missing)}"


def test_every_topic_has_definition_stage_and_words():
    tax = load_taxonomy()
    for topic in tax.topics.values():
        assert topic.definition and topic.stage in tax.stages
        assert topic.synonyms or topic.abbreviations, topic.name


def test_gold_labels_use_known_topics():
    gold = Path(__file__).resolve().parents[2] / "eval" / "obligations-dev.jsonl"
    import json

    tax = load_taxonomy()
    for line in gold.read_text(encoding="utf-8").splitlines():
        assert json.loads(line)["topic"] in tax.topics


@pytest.mark.parametrize(
    "text, topic",
    [
        ("ICPC timescale sandwell", "initial child protection conference"),
        ("when must the core group meet?", "core group meeting"),
        ("A copy of the core group minutes will be shared", "core group record"),
        ("strat minutes", "strategy discussion record"),
        ("LAC review", "looked after review"),
        ("Children in Care will be seen or spoken to on a 6 weekly basis", "child in care visit"),
        ("how often do I see a CIN child in Dudley?", "child in need visit"),
        ("RHA annually", "health assessment"),
        ("initial PEP meeting", "personal education plan"),
    ],
)
def test_match_topics_best_topic(text, topic):
    assert load_taxonomy().match_topics(text)[0][0] == topic


def test_match_topics_scores_are_normalised_and_empty_for_unrelated_text():
    tax = load_taxonomy()
    scores = tax.match_topics("Review child protection conference report for the RCPC")
    assert scores[0][1] == 1.0 and all(0 < s <= 1 for _, s in scores)
    assert tax.match_topics("the weather was pleasant") == []


def test_expand_query_adds_expansions_and_keeps_ambiguity():
    tax = load_taxonomy()
    assert "initial child protection conference" in tax.expand_query("icpc timescale")
    ppm = tax.expand_query("PPM wokingham")
    assert "placement planning meeting" in ppm and "permanence planning meeting" in ppm
    cp = tax.expand_query("CP visit")
    assert "child protection" in cp and "care plan" not in cp
    assert tax.expand_query("nothing here") == "nothing here"


def test_canonical_role_cohort_anchor():
    tax = load_taxonomy()
    assert tax.canonical_role("SW") == "Social Worker"
    assert tax.canonical_role("Personal Advisor") == "Personal Adviser"
    assert tax.canonical_role("Social Worker/Assistant Team Manager") == "Social Worker"
    assert tax.roles_in("Social Worker/Assistant Team Manager") == ["Social Worker", "Assistant Team Manager"]
    assert tax.canonical_role("IRO") == "Independent Reviewing Officer"
    assert tax.canonical_role("a pa was here") is None  # abbreviations are case-sensitive
    assert tax.canonical_cohort("Children Subject of Child Protection Plans") == (
        "children subject to a child protection plan")
    assert tax.canonical_cohort("LAC") == "children in care"
    assert tax.canonical_cohort("unborn babies") == "babies under 1"
    assert tax.canonical_anchor("within 10 working days of the ICPC") == "initial child protection conference"
    assert tax.canonical_anchor("from the point of referral") == "referral"
    assert tax.canonical_anchor("of the child coming into care") == "child coming into care"
    assert tax.canonical_anchor(None) is None


def test_topic_lookup_by_name_synonym_and_unknown():
    tax = load_taxonomy()
    assert tax.topic("core group meeting").stage == "child protection"
    assert tax.topic("ICPC").name == "initial child protection conference"
    with pytest.raises(UnknownTopicError) as err:
        tax.topic("bus timetable")
    assert "core group meeting" in err.value.message


def test_load_is_cached():
    assert load_taxonomy() is load_taxonomy()


def _valid() -> dict:
    return yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("roles"), "missing top-level section"),
        (lambda d: d["topics"][0].pop("definition"), "definition"),
        (lambda d: d["topics"][0].update(stage="moon landing"), "is not one of the stages"),
        (lambda d: d["topics"].append(dict(d["topics"][0])), "defined twice"),
        (lambda d: d["cohorts"][0].update(synonyms="children"), "list of non-empty strings"),
        (lambda d: d["abbreviations"][0].update(expansions=[]), "at least one expansion"),
        (lambda d: d["topics"][0].update(actor="Astronaut"), "is not a defined role"),
        (lambda d: d["topics"][0].update(cohort="children on the moon"), "is not a defined cohort"),
    ],
)
def test_schema_check_names_the_problem(mutate, message):
    data = _valid()
    mutate(data)
    with pytest.raises(TaxonomyError) as err:
        parse_taxonomy(data, source="t.yaml")
    assert message in err.value.message


def test_bad_files_raise_taxonomy_error(tmp_path):
    with pytest.raises(TaxonomyError, match="not found"):
        read_taxonomy(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("topics: [unclosed", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        read_taxonomy(bad)


def test_topic_defaults_name_known_roles_and_cohorts():
    tax = load_taxonomy()
    assert tax.topics["personal education plan"].cohort == "children in care"
    assert tax.topics["care leaver contact"].actor == "Personal Adviser"
    assert tax.topics["looked after review"].actor == "Independent Reviewing Officer"
    for topic in tax.topics.values():
        assert topic.actor is None or topic.actor in tax.roles
        assert topic.cohort is None or topic.cohort in tax.cohorts


def test_domain_spellings_of_cohorts_and_section_47():
    tax = load_taxonomy()
    assert tax.canonical_cohort("Children who are in our care") == "children in care"
    assert tax.canonical_cohort("placed at home with their parents") == "children placed at home with parents"
    assert [m.canonical for m in tax.find("topics", "the Record of Outcome of Sec.47 Enquiry")] == ["section 47 enquiry"]
    # "stage two" alone is not the fostering assessment (complaints have stages too)
    assert not [m for m in tax.find("topics", "a stage two complaint") if m.canonical == "foster carer assessment"]


def test_bare_assessment_is_not_a_search_synonym():
    # Search and Q&A must not read every clause mentioning "assessment" as the social-work
    # assessment; extraction reads the bare word itself (language.generic_topics).
    tax = load_taxonomy()
    assert not tax.find("topics", "It is expected that this assessment will be completed")
    assert "assessments" in tax.language["generic_topics"]["child and family assessment"]


def test_a_longer_term_starting_inside_a_shorter_match_wins():
    # "the Placement" (an anchor synonym) must not hide "Placement Planning Meeting" one word on.
    tax = load_taxonomy()
    assert tax.canonical_anchor("the Placement Planning Meeting") == "placement planning meeting"
    assert [m.canonical for m in tax.find("topics", "Review Child Protection Conference reports")] == [
        "child protection conference report"]
