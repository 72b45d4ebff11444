import re
import shutil

import pytest
from pypdf import PdfReader
from weasyprint.formatting_structure.boxes import BlockContainerBox, InlineBox, TextBox

from brochure.book.units import card_unit
from brochure.build import check, find_card
from brochure.pdf.render import Renderer, pdf_bytes, render_book
from brochure.pdf.variants import make_variant
from brochure.text.markup import inline_html
from brochure.themes.theme import load_theme
from brochure.text.typography import NBSP, NNBSP, french, french_html
from brochure.text.urls import BREAK_BEFORE, WORD_JOINER, ZWSP, break_points, find_urls
from conftest import EDITIONS


def test_spaces_before_high_punctuation_and_inside_guillemets():
    assert french("Il dit : « oui » ! Vraiment ?") == f"Il dit{NBSP}: «{NBSP}oui{NBSP}»{NNBSP}! Vraiment{NNBSP}?"
    assert french("clair; net") == f"clair{NNBSP}; net"


def test_thousands_are_grouped_but_years_are_not():
    assert french("1039 retours en 2021") == f"1{NNBSP}039 retours en 2021"
    assert french("400 000 habitants") == f"400{NNBSP}000 habitants"
    assert french("12345678") == f"12{NNBSP}345{NNBSP}678"
    assert french("2,75 et 0,5") == "2,75 et 0,5"


def test_percent_apostrophe_ellipsis_and_one_letter_words():
    assert french("35% de l'effort...") == f"35{NNBSP}% de l\u2019effort\u2026"
    assert french("aller à la mer") == f"aller à{NBSP}la mer"


def test_urls_times_and_markup_are_left_alone():
    assert french("https://www.exemple.fr à 10:30") == f"https://www.exemple.fr à{NBSP}10:30"
    html = french_html('<a href="https://x.fr/a?b=1&amp;c=2">lien : ici</a> <code>a : b</code>')
    assert 'href="https://x.fr/a?b=1&amp;c=2"' in html
    assert f"lien{NBSP}: ici" in html and "<code>a : b</code>" in html
    assert french_html("a &lt;b&gt; c") == "a &lt;b&gt; c"


# Numbers: units stay with their number; codes and years are not grouped.

def test_a_number_never_leaves_its_unit():
    assert french("2,1 °C") == f"2,1{NNBSP}°C"
    assert french("35 km et 15 m² en 12 h 30") == f"35{NNBSP}km et 15{NNBSP}m² en 12{NNBSP}h{NNBSP}30"
    assert french("3 000 € et 2,7 Md€") == f"3{NNBSP}000{NNBSP}€ et 2,7{NNBSP}Md€"
    assert french("de 8 à 12 ans, 3 millions d'euros") == f"de 8{NBSP}à{NBSP}12{NBSP}ans, 3{NBSP}millions d\u2019euros"
    assert french("12 habitants, 2 mots") == "12 habitants, 2 mots"       # counted nouns are not units
    assert french("5 mois") == f"5{NBSP}mois" and french("5 moissons") == "5 moissons"


def test_postal_codes_and_other_codes_are_not_grouped():
    assert french("59000 Lille") == f"59000{NBSP}Lille"
    assert french("59000 habitants") == f"59{NNBSP}000 habitants"           # a quantity: grouped
    assert french("BP 40123, ISO 14001, n° 12345") == f"BP{NBSP}40123, ISO{NBSP}14001, n°{NBSP}12345"
    assert french("SIRET : 12345678900012") == f"SIRET{NBSP}: 12345678900012"
    assert french("code 0123456789") == "code 0123456789"                  # a quantity never starts with 0
    assert french("tél. 01 23 45 67 89") == f"tél. 01{NBSP}23{NBSP}45{NBSP}67{NBSP}89"
    assert french("+33 1 23 45 67 89") == f"+33{NBSP}1{NBSP}23{NBSP}45{NBSP}67{NBSP}89"
    assert french("réf. 12345-6789 et A12345") == "réf. 12345-6789 et A12345"


def test_a_postal_code_in_brackets_after_its_town_is_not_grouped():
    assert french("Bolbec (76800), Saint-Étienne-du-Rouvray (76800)") == \
        "Bolbec (76800), Saint-Étienne-du-Rouvray (76800)"
    assert french("code postal 76800") == "code postal 76800"
    assert french("un budget (12500)") == f"un budget (12{NNBSP}500)"          # no town before: a quantity
    assert french("Rouen (12500 habitants)") == f"Rouen (12{NNBSP}500 habitants)"   # not closed: a quantity


def test_years_stay_whole():
    assert french("en 1750, depuis 1500, mars 2150 et 2021") == "en 1750, depuis 1500, mars 2150 et 2021"
    assert french("1750 agents") == f"1{NNBSP}750 agents"


# URLs and e-mail addresses: exactly as written, breaking only at zero-width spaces.

URL = "https://www.exemple.fr/d%C3%A9marche/rapport-annuel?limit=1000&annee=2021#l'été"


def visible(html: str) -> str:
    """The characters a reader sees and copies: tags, entities, zero-width spaces and word joiners removed."""
    import html as html_module
    import re
    return html_module.unescape(re.sub(r"<[^>]*>", "", html)).replace(ZWSP, "").replace(WORD_JOINER, "")


def test_french_rules_never_reach_inside_a_url_or_an_address():
    text = f"Voir {URL} : la note de jean-pierre.dupont@exemple.fr ! Et www.site.fr/a-b?c=1000."
    assert french(text) == (f"Voir {URL}{NBSP}: la note de jean-pierre.dupont@exemple.fr{NNBSP}! "
                            "Et www.site.fr/a-b?c=1000.")
    assert french("écrire à jean@x.fr") == f"écrire à{NBSP}jean@x.fr"      # « à » still never ends a line


def test_urls_in_link_text_autolinks_bare_text_and_mailto_are_marked_and_unaltered():
    html = inline_html(f"[{URL}]({URL}) <{URL}> {URL} <jean@exemple.fr> [écrire](mailto:jean@exemple.fr)")
    assert html.count('<span class="url">') == 4
    assert visible(html) == f"{URL} {URL} {URL} jean@exemple.fr écrire"
    assert f'href="{URL.replace("&", "&amp;")}"' in html


def pieces(url: str) -> list[str]:
    points = break_points(url)
    return [url[a:b] for a, b in zip([0] + points, points + [len(url)])]


def test_a_url_breaks_only_where_chicago_allows():
    assert pieces("https://www.site-a.fr/dossier//page_2?x=1000&y=2#fin") == [
        "https://", "www.site", "-a", ".fr", "/dossier//page", "_2", "?x=", "1000", "&y=", "2", "#fin"]
    assert pieces("mailto:jean.dupont@x-y.fr") == ["mailto:", "jean.dupont", "@x-y.fr"]
    assert pieces("jean-pierre.dupont@x-y.fr") == ["jean-pierre.dupont", "@x-y.fr"]


def test_url_punctuation_after_it_is_the_sentences():
    text = "(voir https://fr.wikipedia.org/wiki/Paris_(France)), https://x.fr/a. Et https://x.fr/b?"
    assert [text[a:b] for a, b in find_urls(text)] == ["https://fr.wikipedia.org/wiki/Paris_(France)",
                                                      "https://x.fr/a", "https://x.fr/b"]


def test_a_domain_written_without_www_is_a_url_too():
    text = "Voir injep.fr/thematique/jeunesse, solidarites-sante.gouv.fr. Mais etc. et 2,5 km."
    assert [text[a:b] for a, b in find_urls(text)] == ["injep.fr/thematique/jeunesse", "solidarites-sante.gouv.fr"]


def test_typography_applied_twice_changes_nothing():
    once = french_html(inline_html(f"Voir {URL} : 1039 retours, 59000 Lille, 12 h 30."))
    assert french_html(once) == once


# In the PDF: a 300-character URL in the body, a footnote and ALLER PLUS LOIN prints unaltered, inside its column.

def long_url(tag: str) -> str:
    url = (f"https://www.exemple-de-collectivite.gouv.fr/{tag}/actualites/2021/rapport-annuel-sur-la-modernisation"
           "-de-la-relation-usager/annexes?theme=%C3%A9t%C3%A9&limit=1000&annee=2021&page=1039&format=pdf"
           "&utm_source=brochure-inet&utm_medium=print#section-3-des-cles-pour-agir")
    return url + "-" + "x" * (299 - len(url))


URLS = {place: long_url(place) for place in ("corps", "note", "lire")}
NAMES = ("Marie-Évangéline Desmarchais-Vandenbrouckeville",                # author, tutor, testimonial
         "Bérengère-Apolline Hautecloqueville-Montmorency de La Tour-Auvergne-Lauraguais de Chateaubriandesque "
         "et Labourdonnais-Villeneuve",
         "Maximilien-Hippolyte Chateaubriandesque-Labourdonnais")
URL_CARD = f"""---
number: 1
section: alpha
collectivity: Ville d'Alphaville
title: Une carte aux longues adresses
authors:
  - name: Anne Alpha
    email: anne.alpha@administrateur-inet.org
  - name: {NAMES[0]}
    email: marie.desmarchais@administrateur-inet.org
tutors:
  - name: {NAMES[1]}
    role: Directrice générale des services
    gender: f
testimonials:
  - name: {NAMES[2]}
    role: Maire
    text: « Un travail remarquable. »
key_figures:
  - value: "1039"
    caption: retours en ligne
further_reading:
  - "*Le rapport annuel*, 2021. {URLS['lire']}"
---
## Contexte

Le rapport[^1] est en ligne : [{URLS['corps']}]({URLS['corps']}), et l'équipe répond à jean-pierre.dupont@exemple.fr.

[^1]: Source : <{URLS['note']}>.
"""


@pytest.fixture(scope="module", params=["default", "sober"])
def url_card(tmp_path_factory, request):
    """The card above, laid out alone in each shipped theme: its WeasyPrint pages and the text of its PDF."""
    edition = tmp_path_factory.mktemp("urls") / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    (edition / "data" / "cards" / "01-alpha.md").write_text(URL_CARD, encoding="utf-8")
    book, renderer = render_card(edition, "01", request.param)
    pdf = edition / "card.pdf"
    pdf.write_bytes(pdf_bytes(book, renderer))
    text = "".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    return book.document, text


def render_card(edition, reference: str, theme: str | None = None):
    checked, _ = check(edition)
    renderer = Renderer(checked.config, load_theme(theme or checked.config.theme, edition), make_variant("screen"))
    return render_book([card_unit(checked, find_card(checked, reference), renderer.theme)], renderer), renderer


def test_a_long_url_prints_exactly_as_written_in_body_footnote_and_further_reading(url_card):
    _, text = url_card
    unbroken = text.replace("\n", "")
    for place, url in URLS.items():
        assert unbroken.count(url) == 1, place
    assert "jean-pierre.dupont@exemple.fr" in unbroken


def url_lines(box, block=None, url=None):
    """(URL, text, left, right, column left, column right) of every line of URL text, and of the block holding it."""
    if isinstance(box, BlockContainerBox):
        block = box
    classes = (getattr(box, "element", None) is not None and box.element.get("class")) or ""
    if url is None and isinstance(box, InlineBox) and "url" in classes.split():
        url = box.element
    if isinstance(box, TextBox) and url is not None and box.text.strip(ZWSP):
        yield url, box.text, box.position_x, box.position_x + box.width, block.content_box_x(), \
            block.content_box_x() + block.width
    for child in getattr(box, "children", ()):
        yield from url_lines(child, block, url)


def test_no_part_of_a_long_url_leaves_its_column(url_card):
    document, _ = url_card
    pieces = [piece for page in document.pages for piece in url_lines(page._page_box)]
    assert len("".join(text for _, text, *_ in pieces).replace(ZWSP, "")) > 3 * 299
    outside = [(text, round(right - column_right, 1)) for _, text, left, right, column_left, column_right in pieces
               if left < column_left - 0.01 or right > column_right + 0.01]
    assert outside == []


def test_a_long_url_breaks_only_where_chicago_allows_in_the_pdf(url_card):
    document, _ = url_card
    lines = [(url, text.replace(ZWSP, "").replace(WORD_JOINER, ""))
             for page in document.pages for url, text, *_ in url_lines(page._page_box)]
    joins = [(before, after) for (url, before), (next_url, after) in zip(lines, lines[1:])
             if url is next_url and not (before.endswith("x") and after.startswith("x"))]  # 35 x's: longer than a column
    wrong = [(before[-12:], after[:12]) for before, after in joins
             if not (before.endswith(("=", "//")) or after.startswith(tuple(BREAK_BEFORE)))]
    assert len(joins) >= 6 and wrong == []          # each 300-character URL takes 3 lines or more


def test_names_of_authors_tutors_and_testimonials_are_never_hyphenated(url_card):
    _, text = url_card
    lines = re.sub(r"(?<=-)\n", "", text).replace("\n", " ")    # a line may still break at a space or a hyphen
    for name in NAMES:
        assert name in lines
