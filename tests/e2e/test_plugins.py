"""Plug-in projections served by Keel: the example package (installed, found by its entry point)
folds the demo's deals and answers over HTTP and in `keel sql` as of any date as known at any
moment; a new version is rebuilt beside the serving one, diffed and switched; a plug-in that
fails stops alone; one that declares what is Keel's is refused before anything is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from importlib.metadata import entry_points

import pytest
from fastapi.testclient import TestClient
from support import bearer, issue_key
from typer.testing import CliRunner

from api.cli import app as cli
from api.demo import load_demo
from api.http import create_app
from api.settings import Settings
from api.system import Keel
from projections.finance.reports import trial_balance
from projections.plugins import PluginError

WON = [{"owner": "alice", "month": "2026-09-01", "currency": "EUR", "deals": 1, "revenue": "16400.00"}]


def start(settings: Settings, plugins: str, reset_changed: bool = True) -> Keel:
    return Keel.start(settings.model_copy(update={"plugins": plugins}), follow=False, reset_changed=reset_changed)


def env_of(settings: Settings, plugins: str) -> dict[str, str]:
    env = {
        "KEEL_DATA_DIR": str(settings.data_dir),
        "KEEL_DATABASE_URL": settings.database_url or "",
        "KEEL_PLUGINS": plugins,
    }
    return {k: v for k, v in env.items() if v}


@pytest.fixture
def served(keel_settings: Settings) -> Iterator[tuple[Keel, TestClient]]:
    keel = start(keel_settings.model_copy(update={"auth": "keys"}), "installed")
    load_demo(keel.app)
    keel.engine.catch_up()
    try:
        with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
            yield keel, client
    finally:
        keel.close()


def test_the_installed_example_is_served_as_of_any_date_as_known_at_any_moment(
    served: tuple[Keel, TestClient],
) -> None:
    keel, client = served
    assert "revenue_by_owner" in {ep.name for ep in entry_points(group="keel.projections")}
    analyst = bearer(issue_key(keel, "ana", "analyst"))
    keel.engine.catch_up()
    listed = client.get("/v1/custom", headers=analyst).json()["items"]
    assert [(p["name"], p["version"], p["healthy"], p["lag"]) for p in listed] == [("revenue_by_owner", 1, True, 0)]
    answer = client.get("/v1/custom/revenue_by_owner?as_of=2026-09-30", headers=analyst)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == WON and answer.json()["position"] == keel.app.head_position()
    before_the_win = client.get("/v1/custom/revenue_by_owner?as_of=2026-09-20", headers=analyst).json()
    assert before_the_win["rows"] == []
    not_yet_known = client.get(
        "/v1/custom/revenue_by_owner?as_of=2026-09-30&known_at=2026-09-20T00:00:00Z", headers=analyst
    ).json()
    assert not_yet_known["rows"] == []
    missing = client.get("/v1/custom/nope", headers=analyst)
    assert missing.status_code == 404 and "revenue_by_owner" in missing.json()["detail"]


def test_the_analyst_reads_a_plug_in_and_the_sales_role_does_not(served: tuple[Keel, TestClient]) -> None:
    keel, client = served
    sales = bearer(issue_key(keel, "sam", "sales"))
    assert client.get("/v1/custom/revenue_by_owner", headers=sales).status_code == 403
    assert client.get("/v1/custom", headers=sales).status_code == 403
    accountant = bearer(issue_key(keel, "acc", "accountant"))
    assert client.get("/v1/custom/revenue_by_owner?as_of=2026-09-30", headers=accountant).json()["rows"] == WON
    assert client.post("/v1/custom/revenue_by_owner", headers=accountant).status_code in (403, 405)


def test_a_new_version_is_rebuilt_beside_diffed_and_switched(served: tuple[Keel, TestClient]) -> None:
    keel, _ = served
    env = env_of(keel.settings, "plugin_versions:RevenueByOwnerV2")
    done = CliRunner().invoke(cli, ["projections", "rebuild", "revenue_by_owner", "--diff", "--switch"], env=env)
    assert done.exit_code == 0, done.output
    assert "serving v1 vs rebuilt v2" in done.output and "rbo_facts" in done.output
    assert "switched: revenue_by_owner now serves generation" in done.output
    newer = start(keel.settings, "plugin_versions:RevenueByOwnerV2")
    try:
        status = {s.name: s for s in newer.engine.status()}["revenue_by_owner"]
        assert status.healthy and status.lag == 0
        with newer.views.read() as cur:
            cur.execute("SELECT kind, COUNT(*) FROM rbo_facts GROUP BY kind")
            kinds = dict(cur.fetchall())
            answer = newer.plugins["revenue_by_owner"].answer(cur, date(2026, 9, 30), None)
        assert kinds.get("lost", 0) >= 1 and answer[0][:4] == ("alice", date(2026, 9, 1), "EUR", 1)
    finally:
        newer.close()
    shown = CliRunner().invoke(
        cli, ["sql", "--as-of", "2026-09-30", "-f", "csv", "select * from revenue_by_owner"], env=env
    )
    assert (
        shown.exit_code == 0 and shown.output == "owner,month,currency,deals,revenue\nalice,2026-09-01,EUR,1,16400.00\n"
    )


def test_a_failing_plug_in_stops_alone_and_says_why(keel_settings: Settings) -> None:
    plugins = "plugin_versions:FailsOnWins,plugin_versions:CannotCreate,revenue_by_owner"
    keel = start(keel_settings, plugins)
    try:
        load_demo(keel.app)
        keel.engine.catch_up()  # the plug-ins' failures are recorded, never raised to Keel's callers
        statuses = {s.name: s for s in keel.engine.status()}
        stopped = statuses["fails_on_wins"].failure
        assert stopped is not None and "cannot fold the win" in stopped.error and "Won" in stopped.event
        assert statuses["cannot_create"].failure is not None
        head = keel.app.head_position()
        broken = ("fails_on_wins", "cannot_create")
        assert all(s.position == head and s.healthy for n, s in statuses.items() if n not in broken)
        keel.engine.wait_for(head, ())  # "every read model" is Keel's own: a stopped plug-in holds nothing up
        assert trial_balance(keel.views, date(2026, 9, 30)).balanced
        with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
            listed = {p["name"]: p for p in client.get("/v1/custom").json()["items"]}
            assert listed["fails_on_wins"]["healthy"] is False
            assert "cannot fold the win" in listed["fails_on_wins"]["failure"]["error"]
            broken_one = client.get("/v1/custom/cannot_create")
            assert broken_one.status_code == 503 and "could not set up its tables" in broken_one.json()["detail"]
            known = "/v1/custom/revenue_by_owner?as_of=2026-09-30&known_at=2026-12-31T00:00:00Z"
            assert client.get(known).json()["rows"] == WON  # waits for itself, not for the stopped ones
        env = env_of(keel_settings, plugins)
        report = CliRunner().invoke(cli, ["report", "trial-balance", "--as-of", "2026-09-30"], env=env)
        assert report.exit_code == 0, report.output
        session = CliRunner().invoke(cli, ["sql", "-f", "csv", "select count(*) as n from deals"], env=env)
        assert session.exit_code == 0 and session.output == "n\n3\n"  # plug-ins only when named
        named = CliRunner().invoke(cli, ["sql", "select * from fails_on_wins"], env=env)
        assert named.exit_code == 1 and "plug-in fails_on_wins is at position" in named.output
        assert "cannot fold the win" in named.output
    finally:
        keel.close()


@pytest.mark.parametrize(
    ("plugin", "said"),
    [
        ("TakesKeelsTable", "declares the table 'gl_lines', which is Keel's"),
        ("NamedAsADataset", "the name 'journal' is already Keel's"),
        ("FoldsNothingKnown", "match no public event type"),
        ("NamedAKeyword", "is an SQL keyword"),
        ("NoSuchClass", "could not be loaded"),
    ],
)
def test_a_plug_in_that_declares_what_is_keel_s_is_refused_before_anything_is_written(
    keel_settings: Settings, plugin: str, said: str
) -> None:
    with pytest.raises(PluginError, match=said.replace("(", r"\(")):
        start(keel_settings, f"plugin_versions:{plugin}")
    keel = start(keel_settings, "none")
    try:
        assert keel.plugins == {}
        with keel.views.read() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM keel_tracking WHERE projection LIKE %s", ("%" + plugin.lower()[:5] + "%",)
            )
            assert cur.fetchone() == (0,)
    finally:
        keel.close()
    refused = CliRunner().invoke(cli, ["projections", "status"], env=env_of(keel_settings, f"plugin_versions:{plugin}"))
    assert refused.exit_code == 1 and said.split("'", maxsplit=1)[0] in refused.output
