"""Fan, Creator and Platform: Mesa agents that are views onto the model's arrays.

A Fan or Creator keeps only its row index; reading ``fan.wellbeing`` reads
``model.fans.wellbeing[fan.index]`` and assigning writes it back. Users can
therefore select, group and aggregate agents with Mesa's AgentSet API while
the model's step stays vectorised. Fan objects are built the first time
``model.agents`` or ``model.agents_by_type[Fan]`` is read (see ``defer_fans``).
"""

from __future__ import annotations

from dataclasses import fields

import mesa
import numpy as np
from mesa.agentset import _HardKeyAgentSet

from sim.dynamics import attention
from sim.params import CREATOR_KINDS
from sim.state import CreatorState, FanState


class _Column:
    """Descriptor exposing one element of a state array as an agent attribute."""

    def __init__(self, store: str, name: str):
        self.store, self.name = store, name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        # .item(i) gives the Python scalar in one call (state arrays are one-dimensional)
        return getattr(getattr(agent.model, self.store), self.name).item(agent.index)

    def __set__(self, agent, value):
        getattr(getattr(agent.model, self.store), self.name)[agent.index] = value


class Fan(mesa.Agent):
    """A platform user who may bond with creators. State lives in ``model.fans``."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def bonds(self) -> list[dict]:
        """This fan's bonds as dicts (creator index, attachment, reciprocity, ...)."""
        b = self.model.bonds
        row = self.index
        return [
            {"creator": int(b.creator[row, k]), "attachment": float(b.attachment[row, k]),
             "reciprocity": float(b.reciprocity[row, k]), "frustration": float(b.frustration[row, k]),
             "met": bool(b.met[row, k])}
            for k in np.flatnonzero(b.creator[row] >= 0)
        ]

    @property
    def attachment(self) -> float:
        """Strongest attachment to any creator (the focal bond), 0-1."""
        return float(self.model.bonds.attachment[self.index].max())


def defer_fans(model, n: int) -> None:
    """Register ``n`` Fans with ``model`` without building them: Mesa sees them on first read.

    A million agent objects cost about 6 s and 300 MB, and most runs never
    look at a single fan, so ``model.agents`` and ``model.agents_by_type[Fan]``
    create them the first time they are read. They get the unique ids and
    the place in ``model.agents`` that creating them here would have given.
    Call this where the Fans would otherwise be created.
    """
    _FanRoster(model, n)


class _FanRoster:
    """The Fans a model has not built yet, and the two agent sets that build them when read."""

    def __init__(self, model, n: int):
        self.model, self.n, self.waiting = model, n, True
        self.first_id = model.agent_id_counter
        model.agent_id_counter += n  # agents made after the fans get the ids they would have had
        model._all_agents = _DeferredAgentSet(model._all_agents, model.random, self)
        model._agents_by_type[Fan] = _DeferredAgentSet((), model.random, self)

    def build(self) -> None:
        """Create the Fans through Mesa's normal registration, in their eager place and ids."""
        if not self.waiting:
            return
        self.waiting = False
        model = self.model
        everyone = model._all_agents._store
        later = [a for a in everyone if a.unique_id >= self.first_id]
        for agent in later:
            del everyone[agent]
        next_id, model.agent_id_counter = model.agent_id_counter, self.first_id
        for i in range(self.n):
            Fan(model, i)
        model.agent_id_counter = next_id
        everyone.update(dict.fromkeys(later))


class _DeferredAgentSet(_HardKeyAgentSet):
    """A model-owned agent set whose waiting Fans are built on the first read of its members.

    Mesa's agent sets read and write their members only through ``_agents``;
    registering or removing an agent (a Creator entering, say) goes through
    add/discard/remove and builds nothing. Sets that Mesa derives from this one
    (``type(self)(agents, random)`` in select and groupby) have no roster.
    """

    def __init__(self, agents, random, roster: _FanRoster | None = None):
        self._store, self.random, self._roster = dict.fromkeys(agents), random, roster

    @property
    def _agents(self) -> dict:
        if self._roster is not None:
            self._roster.build()
        return self._store

    @_agents.setter
    def _agents(self, members: dict) -> None:  # shuffle(inplace=True), sort(inplace=True)
        self._store = members

    def add(self, agent) -> None:
        self._store[agent] = None

    def discard(self, agent) -> None:
        self._store.pop(agent, None)

    def remove(self, agent) -> None:
        del self._store[agent]


class Creator(mesa.Agent):
    """A creator (influencer, streamer, idol, politician, virtual). State lives in ``model.creators``."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def kind_name(self) -> str:
        return CREATOR_KINDS[self.model.creators.kind[self.index]]

    @property
    def status(self) -> str:
        c = self.model.creators
        if not c.active[self.index]:
            return "quit"
        return "burnt out" if c.burnt_out[self.index] else "active"


for _store, _cls, _skip in (("fans", Fan, set()), ("creators", Creator, {"kind"})):
    _state = FanState if _store == "fans" else CreatorState
    for _f in fields(_state):
        if _f.name not in _skip:
            setattr(_cls, _f.name, _Column(_store, _f.name))


class Platform(mesa.Agent):
    """The platform: ranks feeds, recommends creators, moderates, takes its cut.

    ``feed_policy`` decides how followed creators' posts are ranked. Replace it
    with any function ``policy(model, posts) -> weights`` (arrays of shape
    (n_fans, max_follows)) to study a new ranking without editing the package.
    """

    def __init__(self, model, feed_policy=None):
        super().__init__(model)
        self.feed_policy = feed_policy or builtin_feed
        self.revenue = 0.0
        self.agency_revenue = 0.0
        self.detected = 0
        self.bans = 0

    def rank(self, posts: np.ndarray) -> np.ndarray:
        return self.feed_policy(self.model, posts)


def builtin_feed(model, posts: np.ndarray) -> np.ndarray:
    """The feed named by ``model.params.feed`` (chronological, engagement or wellbeing)."""
    p = model.params
    return attention.feed_weights(p.feed, posts, model.bonds.attachment, p.engagement_boost,
                                  model.fans.wellbeing)
