"""The Name sort's key (core/store/name_key.py): natural, case- and accent-insensitive
order that a database gets by comparing the keys' bytes."""
import random

import pytest

from llmvis_desktop.core.store.name_key import END, LONG_PREFIX, MAX_CHARS, SEP, name_key


def _bytewise(names):
    """The order SQLite (BINARY) and PostgreSQL ("C") give the keys: their UTF-8 bytes."""
    return sorted(names, key=lambda n: name_key(n).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("expected", [
    ["img1.png", "img2.png", "img10.png", "img100.png"],
    ["a.png", "B.png", "c.png"],
    ["e.png", "é.png", "f.png"],
    ["apfel.png", "Äpfel.png", "banane.png", "zebra.png"],
    ["straße.png", "strasse2.png"],  # ß folds to "ss"
    ["img.png", "img2.png", "img_2.png"],  # "." and digits before "_" and letters, as ASCII has them
    ["img 2.png", "img-2.png", "img2.png", "imga.png"],
    ["v1.9.png", "v1.10.png", "v2.0.png"],  # each run of digits by value
    ["1.png", "9.png", "10.png", "a.png"],  # numbers before letters
    ["x" + "9" * 39 + ".png", "x1" + "0" * 39 + ".png"],  # 40 digits beat 39, whatever their values
    ["x" + "9" * 4999 + ".png", "x1" + "0" * 4999 + ".png"],  # longer than int() takes
    ["img٣.png", "img12.png"],  # Arabic-Indic three: by value
    ["ｉｍｇ２.png", "img10.png"],  # full-width letters and digits (NFKD)
])
def test_names_sort_naturally(expected):
    shuffled = expected[::-1]
    random.Random(1).shuffle(shuffled)
    assert _bytewise(shuffled) == expected


def test_leading_zeros_compare_by_value_and_the_tie_is_broken():
    names = ["img8.png", "img007.png", "img7.png", "img07.png", "img6.png"]
    got = _bytewise(names)
    assert got[0] == "img6.png" and got[-1] == "img8.png"
    assert set(got[1:4]) == {"img007.png", "img07.png", "img7.png"}
    assert len({name_key(n) for n in names}) == len(names)  # never equal: a stable order


def test_names_equal_when_folded_never_compare_equal():
    for group in (["a.png", "A.png"], ["e.png", "é.png", "É.png", "e\u0301.png"], ["7", "07", "007"]):
        keys = [name_key(n) for n in group]
        assert len(set(keys)) == len(keys), group
        assert _bytewise(group) == _bytewise(group[::-1])  # the same order from either side


def test_a_folders_images_stay_together_and_sort_as_a_name():
    names = ["sub.png", "sub/b.png", "Sub/a.png", "sub/a.png", "sub10/a.png", "sub2/z.png", "sub-x/a.png",
             "suba.png", "Sub/c.png", "a.png"]
    got = _bytewise(names)
    assert got == ["a.png", "Sub/a.png", "Sub/c.png", "sub/a.png", "sub/b.png", "sub-x/a.png", "sub.png",
                   "sub2/z.png", "sub10/a.png", "suba.png"]
    # folders named alike up to case stay apart, each whole: not Sub/a, sub/a, Sub/c


def test_dots_and_extensions():
    assert _bytewise(["a.b.png", "a.png", "a0.png", "a.b2.png", "a.b10.png"]) == [
        "a.b.png", "a.b2.png", "a.b10.png", "a.png", "a0.png"]


def test_control_characters_in_names_keep_keys_distinct_and_parseable():
    names = ["a\x01b.png", "a\x02b.png", "a\x03b.png", "a/b.png", "a\x01/b.png"]
    keys = [name_key(n) for n in names]
    assert len(set(keys)) == len(names)
    for n, k in zip(names, keys):  # END and SEP mark only the key's own structure
        assert k.count(SEP) == n.count("/") and k.count(END) == n.count("/") + 1


def test_distinct_paths_give_distinct_keys():
    rng = random.Random(7)
    alphabet = "aAbB0179._- éÉeß/"
    names = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))).strip("/") for _ in range(4000)}
    names = {n for n in names if n and "//" not in n}
    assert len({name_key(n) for n in names}) == len(names)


def test_very_long_paths_are_bounded_and_still_distinct():
    """PostgreSQL refuses an index entry over 2,704 bytes: a key at most MAX_CHARS
    characters of at most 4 bytes fits."""
    base = "folder/" * 120
    a, b = base + "é" * 300 + "1.png", base + "é" * 300 + "2.png"
    ka, kb = name_key(a), name_key(b)
    assert len(ka) <= MAX_CHARS and len(ka.encode()) < 2704
    assert ka != kb
    assert ka.startswith(name_key("folder/x")[:6])  # still the folded path first
    short = name_key("folder/zzz.png")
    assert short > ka  # compared on the folded prefix as usual
    assert len(LONG_PREFIX * "x") < MAX_CHARS


def test_keys_are_plain_text_a_database_stores():
    for n in ("a.png", "é/ß.png", "日本/画像10.png", "x\udcff.png"):
        k = name_key(n)
        assert "\x00" not in k  # PostgreSQL text holds no NUL
        k.encode("utf-8", "surrogatepass")


def test_the_ascii_fast_path_gives_the_general_key():
    from llmvis_desktop.core.store import name_key as nk

    rng = random.Random(11)
    for _ in range(5000):
        path = "/".join("".join(rng.choice("aB0_9.-x ") for _ in range(rng.randint(1, 6)))
                        for _ in range(rng.randint(1, 3)))
        assert name_key(path) == SEP.join(nk._component(part) for part in path.split("/")), path
