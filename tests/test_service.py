"""ecomops.service: Erlang C against the Erlang B recursion and a hand-worked case, Little's law, summaries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ecomops import service as sv


def erlang_c_by_erlang_b_recursion(load: float, agents: int) -> float:
    """Independent route: Erlang B by the recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)), then
    C = N·B / (N − A·(1 − B)) (the standard identity between Erlang B and C, e.g. Gans, Koole & Mandelbaum
    2003, Manufacturing & Service Operations Management 5(2), 79–141)."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return agents * blocking / (agents - load * (1 - blocking))


def test_hand_worked_case():
    """λ = 0.5 contacts a minute, AHT = 4 minutes: A = 2 erlangs. With N = 3 agents:
    Σ_{k<3} 2^k/k! = 1 + 2 + 2 = 5; A^N/N! · N/(N − A) = 8/6 · 3/1 = 4; C = 4 / (5 + 4) = 4/9.
    SL within 2 minutes = 1 − 4/9 · exp(−(3 − 2) · 2 / 4) = 0.730433…; ASA = 4/9 · 4 / (3 − 2) = 16/9 minutes;
    occupancy 2/3."""
    assert sv.offered_load(0.5, 4) == 2.0
    assert sv.erlang_c_wait_probability(0.5, 4, 3) == pytest.approx(4 / 9, rel=1e-12)
    assert sv.erlang_c_service_level(0.5, 4, 3, 2) == pytest.approx(1 - 4 / 9 * math.exp(-0.5), rel=1e-12)
    assert sv.erlang_c_mean_wait(0.5, 4, 3) == pytest.approx(16 / 9, rel=1e-12)
    table = sv.staffing_table(0.5, 4, 2, agents=[3])
    assert table.loc[0, "occupancy"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("load", [0.3, 2.0, 9.7, 47.5, 180.0])
def test_erlang_c_matches_the_erlang_b_recursion(load):
    agents = np.arange(int(load) + 1, int(load) + 25)
    ours = sv.erlang_c_wait_probability(load / 3.0, 3.0, agents)  # λ = A / AHT with AHT = 3
    expected = [erlang_c_by_erlang_b_recursion(load, int(n)) for n in agents]
    np.testing.assert_allclose(ours, expected, rtol=1e-9)


def test_unstable_queue_and_bad_input():
    assert sv.erlang_c_wait_probability(1.0, 2.0, 2) == 1.0  # A = N: the queue never empties
    assert sv.erlang_c_service_level(1.0, 2.0, 1, 5.0) == 0.0
    assert math.isinf(sv.erlang_c_mean_wait(1.0, 2.0, 2))
    with pytest.raises(ValueError, match="agents"):
        sv.erlang_c_wait_probability(1.0, 2.0, 0)
    with pytest.raises(ValueError, match="agents"):
        sv.erlang_c_wait_probability(1.0, 2.0, 2.5)
    with pytest.raises(ValueError, match="mean_handle_time"):
        sv.offered_load(1.0, 0.0)


def test_agents_for_service_level_is_the_first_count_that_meets_the_target():
    """A = 10 erlangs (100 contacts per 30 minutes, 3-minute handling), target 80 % within 20 s = 1/3 minute.
    The answer is the smallest N whose service level, computed through the Erlang B recursion, reaches 80 %.
    Through the recursion: N = 11, 12, 13, 14 give P(wait) 0.682, 0.449, 0.285, 0.174 and service levels
    39.0 %, 64.0 %, 79.6 %, 88.8 %, so 14 agents: 13 fall just short of the target."""
    rate, aht, target = 100 / 30, 3.0, 1 / 3
    needed = sv.agents_for_service_level(rate, aht, target, 0.80)
    level = [1 - erlang_c_by_erlang_b_recursion(10.0, n) * math.exp(-(n - 10.0) * target / aht)
             for n in (needed - 1, needed)]
    assert level[0] < 0.80 <= level[1]
    assert needed == 14
    assert sv.erlang_c_wait_probability(rate, aht, 14) == pytest.approx(0.1741, abs=5e-5)
    with pytest.raises(ValueError, match="max_agents"):
        sv.agents_for_service_level(rate, aht, target, 0.80, max_agents=13)


def test_littles_law_on_a_deterministic_ticket_log():
    """A ticket opens every 10 minutes and stays open 30 minutes, so λ = 0.1 a minute and W = 30 minutes.
    Counting the open tickets minute by minute over a long steady stretch gives L = 3 = λ·W."""
    opened = np.arange(0, 10_000, 10)
    minutes = np.arange(1_000, 9_000) + 0.5  # away from the start and the end
    open_counts = ((opened[None, :] <= minutes[:, None]) & (minutes[:, None] < opened[None, :] + 30)).sum(axis=1)
    assert open_counts.mean() == pytest.approx(sv.littles_law(arrival_rate=0.1, time_in_system=30))
    assert sv.littles_law(in_system=3, arrival_rate=0.1) == pytest.approx(30)
    assert sv.littles_law(in_system=3, time_in_system=30) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="exactly two"):
        sv.littles_law(arrival_rate=0.1)


def test_response_time_summary_and_table():
    times = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    summary = sv.response_time_summary(times, target=3.0)
    assert summary["n"] == 5 and summary["mean"] == pytest.approx(22.0)
    assert summary["p50"] == 3.0 and summary["p90"] == pytest.approx(4 + 0.6 * 96)  # linear interpolation
    assert summary["within_target"] == pytest.approx(0.6)
    frame = pd.DataFrame({"channel": ["chat"] * 5 + ["email"] * 2 + ["email"], "minutes": [*times, 10, 20, None]})
    table = sv.response_time_table(frame, "minutes", "channel", target=15)
    assert list(table.index) == ["chat", "email"]
    assert table.loc["email", "n"] == 2 and table.loc["email", "p50"] == 15.0
    assert table.loc["email", "within_target"] == 0.5


def test_hourly_arrival_rates_count_quiet_days():
    """Two calendar days; three arrivals at 09:xx on day one and one at 09:xx on day two: 2 an hour at 09, and
    one at 14:xx on day two: 0.5 an hour at 14; every other hour 0."""
    stamps = pd.Series(pd.to_datetime(["2026-03-02 09:05", "2026-03-02 09:40", "2026-03-02 09:59",
                                       "2026-03-03 09:10", "2026-03-03 14:00"]))
    rates = sv.hourly_arrival_rates(stamps)
    assert rates.shape == (24, 1) and rates.loc[9, "arrivals"] == 2.0 and rates.loc[14, "arrivals"] == 0.5
    assert rates["arrivals"].sum() == pytest.approx(2.5)
    by_channel = sv.hourly_arrival_rates(stamps, by=pd.Series(["chat", "chat", "email", "chat", "email"]))
    assert by_channel.loc[9, "chat"] == 1.5 and by_channel.loc[9, "email"] == 0.5
