"""Vietnamese text helpers that know no app."""

import unicodedata

# đ/Đ are letters of their own, not d + a combining mark, so NFD alone leaves them.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics and collapse spaces: "Hòa  Bình" -> "hoa binh".

    Used for search keys, so a user typing without diacritics (or with another input
    method's composition) finds the same units.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA_FOLDS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
