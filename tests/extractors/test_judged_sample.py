"""`standards eval sample` / `standards eval judged`: a blind reader's sample, drawn and scored end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extractors.judged import CORE_FIELDS, draw_sample, score_judged, source_documents, write_sample
from service.cli import main

ROOT = Path(__file__).resolve().parents[2]
OTHER = ROOT.parent / "shared" / "eval" / "other-authorities"


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("judged") / "sample.yaml"
    docs = source_documents(ROOT / "corpus", None)
    write_sample(draw_sample(docs, n=12, seed=3, n_conflicts=4), out)
    return out


def test_sample_has_context_fields_and_blank_slots(sample_file):
    text = sample_file.read_text(encoding="utf-8")
    assert text.startswith("# You are reading obligations")  # instructions for the reader come first
    data = yaml.safe_load(text)
    assert len(data["items"]) == 12 and data["drawn_from"]["obligations"] >= 12
    for item in data["items"]:
        assert item["sentence"] and item["clause"] and item["citation"].startswith(item["citation"].split(" ›")[0])
        assert item["sentence"].split()[0] in item["clause"]
        assert set(CORE_FIELDS) <= set(item["extracted"])
        assert all(v == "" for v in item["judgement"].values())
    assert all(c["judgement"]["real"] == "" for c in data["conflicts"])


def test_same_seed_same_sample_other_seed_differs():
    docs = source_documents(ROOT / "corpus", None)
    a = [i.obligation.id for i in draw_sample(docs, 10, seed=5, n_conflicts=0).items]
    b = [i.obligation.id for i in draw_sample(docs, 10, seed=5, n_conflicts=0).items]
    c = [i.obligation.id for i in draw_sample(docs, 10, seed=6, n_conflicts=0).items]
    assert a == b and a != c


def test_judged_file_is_scored_per_field(sample_file, tmp_path):
    data = yaml.safe_load(sample_file.read_text(encoding="utf-8"))
    items = data["items"]
    for n, item in enumerate(items):
        j = item["judgement"]
        j.update({"is_duty": "yes", "timescale": "right", "topic": "right", "anchor": "n/a", "cohort": "right",
                  "actor": "right", "action": "right", "phase": "n/a", "conditions": "n/a"})
        if n == 0:
            j["is_duty"] = "no"
        if n == 1:
            j["topic"] = "wrong"
        if n == 2:
            j["phase"] = "wrong"
    for n, cf in enumerate(data["conflicts"]):
        cf["judgement"]["real"] = "yes" if n == 0 else "no"
    judged = tmp_path / "judged.yaml"
    judged.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report = score_judged(judged).as_dict()
    assert report["items"] == 12 and report["duties"] == 11
    assert report["fields"]["timescale"] == {"right": 11, "judged": 12, "share": round(11 / 12, 3)}
    assert report["fields"]["topic"]["right"] == 10 and report["fields"]["anchor"]["judged"] == 0
    assert report["every_field_right"] == round(10 / 12, 3)          # the non-duty and the wrong topic
    assert report["every_field_right_with_frame"] == round(9 / 12, 3)  # and the wrong phase
    if data["conflicts"]:
        assert report["conflicts_real"] + report["equivalents_real"] == 1


def test_cli_sample_and_judged(tmp_path, capsys):
    out = tmp_path / "s.yaml"
    args = ["eval", "sample", "--n", "3", "--seed", "1", "--conflicts", "2", "-o", str(out)]
    args += ["--other-authorities", str(OTHER)] if OTHER.is_dir() else ["--no-other-authorities"]
    main(args)
    assert "Wrote 3 of" in capsys.readouterr().out
    main(["eval", "judged", str(out)])
    assert "not judged" in capsys.readouterr().out  # blank slots are listed, not scored as wrong


def test_cli_judged_bad_file_is_a_message(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("just: [a, list", encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["eval", "judged", str(bad)])
    assert done.value.code != 0
    assert "not a readable YAML sample" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["eval", "sample", "--seed", "1", "--other-authorities", str(tmp_path / "nowhere")])
    assert done.value.code != 0 and "no such folder" in capsys.readouterr().err
