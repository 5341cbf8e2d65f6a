"""SVG charts: axis numbers, marks with their values, escaped labels."""

from __future__ import annotations

from web.charts import Series, bar_chart, line_chart, number, share_chart


def test_numbers_stay_distinct() -> None:
    assert number(12.0) == "12"
    assert number(12.5) == "12.5"
    assert number(0.0125) == "0.013"
    assert number(0.05) == "0.05"


def test_stacked_bars_carry_values() -> None:
    svg = bar_chart(
        "Tiket",
        ["01-12", "08-12"],
        [Series("KTP", [3, 0], "#000"), Series("KK", [1, 2], "#111")],
        stacked=True,
    )

    assert svg.count('class="bar"') == 4
    assert 'data-series="KTP" data-bucket="01-12" data-value="3"' in svg
    assert 'data-series="KK" data-bucket="08-12" data-value="2"' in svg


def test_line_gap_for_missing_value() -> None:
    svg = line_chart("Median", ["a", "b", "c"], [Series("m", [1.0, None, 2.0], "#000")])

    assert svg.count('class="point"') == 2
    assert "<polyline" not in svg


def test_labels_are_escaped() -> None:
    svg = share_chart("Share", [("<script>x</script>", 0.5)])

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'data-value="50%"' in svg
