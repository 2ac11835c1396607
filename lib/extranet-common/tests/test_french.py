"""French words the product writes to people."""

import pytest

from extranet_common.french import of


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("octobre 2026", "d'octobre 2026"),
        ("août 2026", "d'août 2026"),
        ("avril 2027", "d'avril 2027"),
        ("novembre 2026", "de novembre 2026"),
        ("mars 2026", "de mars 2026"),
        ("février 2026", "de février 2026"),
    ],
)
def test_de_is_elided_before_a_vowel(words, expected):
    assert of(words) == expected
