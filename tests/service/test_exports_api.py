"""GET /api/export/induction and /api/export/quiz: real app, real store, real files."""

from __future__ import annotations

import csv
import io
import json

import docx
import pytest

from service.exports import MEDIA_TYPES


def _filename(response) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    return disposition.split('filename="', 1)[1].rstrip('"')


@pytest.mark.parametrize("fmt", ["docx", "md", "csv"])
def test_induction_download(client, fmt):
    response = client.get(
        "/api/export/induction", params={"authority": "Sandwell", "role": "Social Worker", "format": fmt}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPES[fmt]
    assert _filename(response) == f"induction-sandwell-social-worker.{fmt}"
    if fmt == "docx":
        document = docx.Document(io.BytesIO(response.content))
        assert document.paragraphs[0].style.name == "Title" and len(document.tables) == 1
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows and all(r["source"] for r in rows if r["record"] == "item")
    else:
        assert response.text.startswith("# Induction pack: Social Worker, Sandwell")


def test_induction_alias_and_cross_authority(client):
    alias = client.get("/api/export/induction", params={"authority": "SCT", "role": "SW", "format": "csv"})
    assert alias.status_code == 200, alias.text
    cross = client.get(
        "/api/export/induction",
        params={"authority": "all", "role": "Social Worker", "topic": "core group meeting", "format": "csv"},
    )
    assert cross.status_code == 200, cross.text
    assert "all-authorities" in _filename(cross)
    assert len({r["authority"] for r in csv.DictReader(io.StringIO(cross.text))}) >= 2


@pytest.mark.parametrize("fmt", ["docx", "md", "json"])
def test_quiz_download(client, fmt):
    response = client.get("/api/export/quiz", params={"authority": "Wokingham", "n": 6, "format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPES[fmt]
    assert _filename(response) == f"quiz-wokingham.{fmt}"
    if fmt == "json":
        assert len(json.loads(response.content)["items"]) == 6
    elif fmt == "docx":
        assert docx.Document(io.BytesIO(response.content)).tables


@pytest.mark.parametrize(
    ("path", "params", "status", "code", "mentions"),
    [
        ("/api/export/induction", {"authority": "Sandwell", "role": "Astronaut"}, 404, "unknown_role", "Social Worker"),
        ("/api/export/induction", {"authority": "Atlantis", "role": "SW"}, 404, "unknown_authority", "Sandwell"),
        ("/api/export/induction", {"authority": "Sandwell", "role": "SW", "format": "pdf"}, 422, "bad_request", "docx"),
        ("/api/export/quiz", {"authority": "Atlantis"}, 404, "unknown_authority", "Wokingham"),
        ("/api/export/quiz", {"authority": "Wokingham", "role": "Astronaut"}, 404, "unknown_role", "Social Worker"),
        ("/api/export/quiz", {"authority": "Wokingham", "n": 0}, 422, "invalid_request", "n"),
    ],
)
def test_errors_are_json_never_an_empty_file(client, path, params, status, code, mentions):
    response = client.get(path, params=params)
    assert response.status_code == status
    assert "content-disposition" not in response.headers
    error = response.json()["error"]
    assert error["code"] == code and mentions in error["message"]
