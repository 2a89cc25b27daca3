import datetime

import pytest

from antq.core.periods import PeriodError, period_containing, period_from_spec

D = datetime.date


@pytest.mark.parametrize(
    ("spec", "scheme", "start", "end"),
    [
        ("2020", "mps", D(2019, 12, 15), D(2020, 12, 14)),
        ("2020", "calendar", D(2020, 1, 1), D(2020, 12, 31)),
        ("2020-01", "mps", D(2019, 12, 15), D(2020, 1, 14)),
        ("2020-03", "mps", D(2020, 2, 15), D(2020, 3, 14)),
        ("2020-02", "calendar", D(2020, 2, 1), D(2020, 2, 29)),
        ("2020-Q1", "mps", D(2019, 12, 15), D(2020, 3, 14)),
        ("2020-Q4", "mps", D(2020, 9, 15), D(2020, 12, 14)),
        ("2020-q2", "calendar", D(2020, 4, 1), D(2020, 6, 30)),
        ("2020-H2", "mps", D(2020, 6, 15), D(2020, 12, 14)),
        ("2020-05-CUM", "mps", D(2019, 12, 15), D(2020, 5, 14)),
        ("2020-05-cum", "calendar", D(2020, 1, 1), D(2020, 5, 31)),
    ],
)
def test_period_bounds(spec: str, scheme: str, start: datetime.date, end: datetime.date) -> None:
    period = period_from_spec(spec, scheme)
    assert (period.start, period.end) == (start, end)


def test_previous_year_keeps_the_shape() -> None:
    period = period_from_spec("2021-Q1", "mps").previous_year()
    assert (period.spec, period.start, period.end) == ("2020-Q1", D(2019, 12, 15), D(2020, 3, 14))


def test_day_belongs_to_the_right_mps_year() -> None:
    assert period_containing(D(2019, 12, 15), "mps").spec == "2020"
    assert period_containing(D(2019, 12, 14), "mps").spec == "2019"
    assert period_containing(D(2019, 12, 15), "calendar").spec == "2019"


@pytest.mark.parametrize("spec", ["20", "2020-13", "2020-Q5", "2020-H3", "abc", "2020-05-XX"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(PeriodError):
        period_from_spec(spec)


def test_unknown_scheme() -> None:
    with pytest.raises(PeriodError, match="scheme"):
        period_from_spec("2020", "lunar")
