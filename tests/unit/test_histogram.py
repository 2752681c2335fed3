"""The terminal histogram of the load probe: every sample lands in one bin, the fullest bin has the longest
bar, and equal samples make one line."""

from __future__ import annotations

from provisioning.smoke.histogram import BAR, histogram


def _count(line: str) -> int:
    return int(line.rsplit(" ", 1)[1])


def test_every_sample_is_counted_once_and_bars_follow_the_counts() -> None:
    values = [0.010, 0.011, 0.012, 0.012, 0.013, 0.030, 0.050]
    lines = histogram(values, bins=4, width=20)
    assert len(lines) == 4 and sum(_count(line) for line in lines) == len(values)
    fullest = max(lines, key=_count)
    assert fullest.count(BAR) == 20
    assert lines[0].lstrip().startswith("10.00–") and "ms │" in lines[0]
    assert all(line.count(BAR) <= 20 for line in lines)


def test_equal_samples_make_one_line_and_no_samples_none() -> None:
    assert [_count(line) for line in histogram([0.2, 0.2, 0.2])] == [3]
    assert histogram([]) == []


def test_the_smoke_table_prints_both_histograms_of_the_load_probe() -> None:
    import io

    from rich.console import Console

    from provisioning.smoke.load import LoadReport
    from provisioning.smoke.report import SmokeReport, print_table

    load = LoadReport(2, 3, 3, {}, 0.5, {}, {}, 30, 6.0, 60.0, [0.03, 0.04, 0.05], [0.002, 0.002, 0.003])
    buffer = io.StringIO()
    print_table(SmokeReport(load={"gpt-oss-20b": load}), Console(file=buffer, width=120))
    text = buffer.getvalue()
    assert "TTFT (3 requests)" in text and "inter-token gap (3 requests)" in text
    assert "30.00–" in text and "2.00–" in text
    assert "ttft_samples_s" not in load.to_dict()  # the JSON report keeps its percentiles only
