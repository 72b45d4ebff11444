from brochure.text.markup import footnote_problems, inline_html, markdown_html, part_name


def test_parts_get_their_names_and_contexte_a_drop_cap():
    html = markdown_html("## Contexte\n\nLa ville.\n\n## Des clés pour agir\n\n- une clé")
    assert '<section class="part part-contexte">' in html
    assert '<section class="part part-cles">' in html
    assert '<span class="dropcap">L</span>a ville.' in html
    assert part_name("PROBLÉMATIQUE") == "problematique"


def test_footnotes_become_inline_notes_that_float_to_the_foot():
    html = markdown_html("Un fait[^a].\n\n[^a]: La *source*.")
    assert '<span class="footnote">La <em>source</em>.</span>' in html
    assert "[^a]" not in html


def test_footnote_problems_name_the_line():
    assert footnote_problems("texte[^x]\n\nrien") == [(0, "footnote [^x] has no note: add a line '[^x]: the note' at the end")]
    assert footnote_problems("texte\n[^y]: orpheline") == [(1, "footnote [^y] is never referred to in the text")]


def test_raw_html_is_text_except_line_breaks():
    html = inline_html('a <img src="file:///etc/passwd"> b<br>c <a rel="attachment" href="/etc/passwd">x</a>')
    assert "<img" not in html and "<a rel" not in html
    assert "&lt;img" in html and "<br>" in html


def test_missing_figure_is_a_placeholder_with_its_caption():
    html = markdown_html("![Maquette du siège](missing)")
    assert 'class="figure placeholder"' in html and "<figcaption>Maquette du siège</figcaption>" in html


def test_tables_stay_tables_and_text_flows_in_blocks_around_them():
    html = markdown_html("## Contexte\n\nAvant.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nAprès.")
    assert html.count('<div class="flow">') == 2 and "<table>" in html


def test_a_caption_may_call_a_note_of_its_cards_body():
    from brochure.text.markup import footnotes
    notes = footnotes("Texte.\n\n[^1]: Classement 2020.")
    assert inline_html("métropole la plus attractive[^1]", notes) == \
        'métropole la plus attractive<span class="footnote">Classement 2020.</span>'
    assert footnote_problems("Texte.\n[^1]: Classement.", ("attractive[^1]",)) == []
