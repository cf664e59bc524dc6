"""The benchmark history: deterministic, balanced, and loaded before the demo quarter."""

from __future__ import annotations

from datetime import date

from api.demo import load_demo
from api.demo.history import history_commands, load_history
from api.system import Keel
from projections.finance.reports import trial_balance


def test_the_same_size_and_seed_give_the_same_commands() -> None:
    assert list(history_commands(500)) == list(history_commands(500))
    assert list(history_commands(500, seed=1)) != list(history_commands(500))


def test_a_history_of_about_n_events_balances_and_the_demo_quarter_follows_it(keel: Keel) -> None:
    ran = load_history(keel.app, 800)
    assert ran > 100 and load_history(keel.app, 800) == 0  # loaded once
    load_demo(keel.app)
    assert 700 <= keel.app.head_position() <= 900
    keel.engine.catch_up()
    assert trial_balance(keel.views, date(2026, 9, 30)).balanced
