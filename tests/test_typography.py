from brochure.text.typography import NBSP, NNBSP, french, french_html


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
