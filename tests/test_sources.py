from pathlib import Path

from brochure.edition.sources import read_markdown, read_yaml


def write(tmp_path: Path, text: str, name: str = "card.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_keys_know_their_lines(tmp_path):
    source, problems = read_markdown(write(tmp_path, "---\nnumber: 1\nauthors:\n  - name: A\n    email: a@b.fr\n---\nBody\n"))
    assert problems == []
    assert source.line("number") == 2
    assert source.line("authors", 0, "email") == 5
    assert source.line("authors", 0, "photo") == 4  # unknown key: the line of its record
    assert source.body.strip() == "Body" and source.body_line == 7


def test_yaml_error_points_at_the_line_in_the_file(tmp_path):
    _, problems = read_markdown(write(tmp_path, "---\nnumber: 1\ntitle: [unclosed\ncollectivity: x\n---\n"))
    assert len(problems) == 1
    assert problems[0].field == "yaml"
    assert problems[0].line in (3, 4, 5)


def test_duplicate_key_is_a_problem(tmp_path):
    _, problems = read_markdown(write(tmp_path, "---\ntitle: a\ntitle: b\n---\n"))
    assert [(p.line, p.field) for p in problems] == [(3, "title")]


def test_unclosed_and_absent_front_matter(tmp_path):
    _, problems = read_markdown(write(tmp_path, "---\ntitle: a\n"))
    assert "never closed" in problems[0].message
    _, problems = read_markdown(write(tmp_path, "just text\n"))
    assert "must start with" in problems[0].message


def test_not_utf8_is_reported_with_its_line(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes("title: a\ncity: Cr\xe9teil\n".encode("latin-1"))
    _, problems = read_yaml(path)
    assert (problems[0].line, problems[0].field) == (2, "file")
