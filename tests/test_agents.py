"""Fan agents built on first read: the same Mesa agents, ids and order as building them at set-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim.model
from sim.agents import Creator, Fan, Platform
from sim.model import ParasocialModel

# A forced quit on day 2 and certain entry: a Creator agent is replaced on day 3.
KW = dict(n_fans=250, n_creators=6, rng=4, quit_day=2, creator_entry_rate=1.0)


def eager_fans(model, n):
    """What the model did before fans were deferred: build every Fan at set-up."""
    Fan.create_agents(model, n, index=np.arange(n))


@pytest.fixture
def built(monkeypatch):
    """Counts Fan objects created."""
    calls = []
    original = Fan.__init__

    def counting(self, model, index):
        calls.append(index)
        original(self, model, index)

    monkeypatch.setattr(Fan, "__init__", counting)
    return calls


def advance(model, days: int) -> None:
    for _ in range(days):
        model.step()


def roll_call(model) -> list[tuple[str, int, int]]:
    """Every agent in ``model.agents`` order: type, unique id, row index."""
    return [(type(a).__name__, a.unique_id, getattr(a, "index", -1)) for a in model.agents]


def test_no_fan_is_built_by_set_up_steps_creator_turnover_or_data_collection(built):
    m = ParasocialModel(**KW)
    m.run_for(6)
    assert m.creators.active.all()  # the creator who quit on day 2 was replaced ...
    assert max(a.unique_id for a in m.creator_agents) == 1 + KW["n_fans"] + KW["n_creators"] + 1
    frame = m.datacollector.get_agenttype_vars_dataframe(Creator)
    assert frame.index.get_level_values("Step").nunique() == 7
    assert len(m.agents_by_type[Creator]) == KW["n_creators"]
    assert m.agent_types == [Platform, Fan, Creator]
    assert built == []
    assert len(m.agents_by_type[Fan]) == KW["n_fans"]
    assert sorted(built) == list(range(KW["n_fans"]))


@pytest.mark.parametrize("read_on_day", [0, 4])
def test_agents_ids_and_order_match_building_the_fans_at_set_up(monkeypatch, read_on_day):
    deferred = ParasocialModel(**KW)
    advance(deferred, read_on_day)
    deferred_agents = roll_call(deferred)  # fans built now, after a creator entry if day 4
    advance(deferred, 6 - read_on_day)
    monkeypatch.setattr(sim.model, "defer_fans", eager_fans)
    eager = ParasocialModel(**KW)
    advance(eager, read_on_day)
    assert deferred_agents == roll_call(eager)
    advance(eager, 6 - read_on_day)
    assert roll_call(deferred) == roll_call(eager)
    assert [a.unique_id for a in deferred.creator_agents] == [
        a.unique_id for a in eager.creator_agents]
    pd.testing.assert_frame_equal(deferred.datacollector.get_model_vars_dataframe(),
                                  eager.datacollector.get_model_vars_dataframe())


def test_fans_are_one_set_in_agents_and_agents_by_type():
    m = ParasocialModel(**KW)
    fans = m.agents_by_type[Fan]
    assert len(m.agents) == 1 + KW["n_fans"] + KW["n_creators"]
    assert set(fans) == set(m.agents.select(agent_type=Fan))
    fan = fans[17]
    assert isinstance(fan, Fan) and fan.index == 17 and fan.model is m
    assert fan.wellbeing == m.fans.wellbeing[17]
    assert fans[17] is fan  # built once
    fan.remove()
    assert fan not in m.agents and fan not in fans
    assert len(fans) == KW["n_fans"] - 1


def test_agentset_tools_work_before_and_after_the_fans_are_built():
    m = ParasocialModel(**KW)
    m.fans.hostility[:] = 0.0
    m.fans.hostility[[3, 9, 40]] = 0.5
    hostile = m.agents_by_type[Fan].select(lambda a: a.hostility > 0)  # first read builds
    assert sorted(hostile.get("index")) == [3, 9, 40]
    counts = m.agents_by_type[Fan].groupby(lambda a: a.index < 50).count()
    assert counts == {True: 50, False: KW["n_fans"] - 50}
    m.agents.shuffle_do(lambda a: None)
    assert len(m.agents_by_type[Fan].shuffle(inplace=True)) == KW["n_fans"]
    m.step()  # the model keeps working once the fans exist, and sees their writes
    m.agents_by_type[Fan].set("banned", True)
    m.step()
    assert m.fans.banned.all() and (m.fans.platform_hours == 0).all()


def test_removing_all_agents_builds_and_removes_the_fans_too(built):
    m = ParasocialModel(**KW)
    m.remove_all_agents()
    assert len(built) == KW["n_fans"]
    assert len(m.agents) == 0 and len(m.agents_by_type[Fan]) == 0
