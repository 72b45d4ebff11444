import os
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


def test_yaml_1_2_numbers_and_booleans(tmp_path):
    text = "a: 010\nb: 0o10\nc: 1_000\nd: yes\ne: true\nf: 1.50\ng: 12:30\nh: ~\ni: 2021-02-30\n"
    source, problems = read_yaml(write(tmp_path, text, "values.yml"))
    assert problems == []
    assert source.data == {"a": 10, "b": 8, "c": "1_000", "d": "yes", "e": True, "f": 1.5, "g": "12:30", "h": None,
                           "i": "2021-02-30"}
    assert source.written == {("a",): "010", ("b",): "0o10", ("f",): "1.50", ("i",): "2021-02-30"}


def test_a_line_separator_inside_a_value_does_not_shift_the_lines_after_it(tmp_path):
    source, problems = read_markdown(write(tmp_path, "---\ntitle: \"a\u2028b\"\nnumber: x\n---\n"))
    assert problems == [] and source.line("number") == 3


def test_an_anchor_without_alias_is_harmless_and_a_merge_key_is_plain_text(tmp_path):
    source, problems = read_yaml(write(tmp_path, "a: &x 1\n<<: 2\n", "anchor.yml"))
    assert problems == [] and source.data == {"a": 1, "<<": 2}


def test_read_file_refuses_what_is_not_a_regular_file_and_caps_the_size(tmp_path):
    from brochure.edition.sources import read_file
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "big").write_bytes(b"x" * 101)
    (tmp_path / "small").write_bytes(b"x" * 100)
    assert read_file(tmp_path / "pipe") == (None, "is a named pipe, not a file: only plain text files are read")
    assert read_file(tmp_path, limit=100) == (None, "is a folder, not a file: only plain text files are read")
    assert read_file(tmp_path / "small", limit=100) == (b"x" * 100, "")
    assert read_file(tmp_path / "big", limit=100)[1].startswith("is 0.1 MB, more than brochure reads in one file")
    assert read_file(tmp_path / "nothing") == (None, "does not exist")


def test_read_file_inside_a_folder_follows_links_only_within_it(tmp_path):
    from brochure.edition.sources import read_file
    inside, outside = tmp_path / "edition", tmp_path / "outside.md"
    inside.mkdir()
    outside.write_text("secret")
    (inside / "real.md").write_text("card")
    (inside / "to-real.md").symlink_to(inside / "real.md")
    (inside / "to-outside.md").symlink_to(outside)
    assert read_file(inside / "to-real.md", inside) == (b"card", "")
    assert read_file(inside / "to-outside.md", inside)[0] is None
    assert read_file(inside / "to-outside.md")[0] == b"secret"    # without `inside`, links are followed anywhere
