"""Mechanism 4: "one-and-a-half-sided" interaction. Fans message, creators answer few.

Personal replies and names read on stream are limited by the creator's time, so
at hundreds of fans most messages go unanswered. Paid messages are the creator's
name-inserted broadcasts (Bubble, Weverse DM, pay-per-view mass messages): one
message written once, felt as personal by every fan who receives it, at almost
no cost to the creator. With a subscription they come included; sold per
message, each fan decides on each one. Their felt value falls with media
literacy and with habituation to such broadcasts.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.dynamics.money import MONTH, monthly_means, purchase_probability
from sim.params import PAID_MESSAGES
from sim.state import bernoulli_positions, scratch, shrink

PER_MESSAGE = PAID_MESSAGES.index("per_message")
SUBSCRIPTION = PAID_MESSAGES.index("subscription")


def reply_probability(requests, capacity):
    """Chance that one message gets a personal reply: capacity shared among all requests."""
    return np.minimum(1.0, capacity / np.maximum(requests, 1.0))


def broadcast_value(value, literacy, literacy_effect, received, habituation):
    """Felt recognition of one name-inserted broadcast: v (1 - e_lit lit) / (1 + h * received).

    `received` is the broadcasts the fan got from this creator in the last 30
    days: the hundredth "personal" message with one's name in it is worth less
    than the first, and media-literate fans see through it.
    """
    return value * (1.0 - literacy_effect * literacy) / (1.0 + habituation * received)


def messages(model, output, recognitions) -> None:
    """Fans' free messages compete for the creator's few personal replies."""
    p, f, b, c, s, rng = model.params, model.fans, model.bonds, model.creators, model.slots, model.rng
    sent = bernoulli_positions(rng, b.creator.size, p.message_rate)  # then thin by A
    uniform = rng.random(sent.size)
    if b.attachment.flags.c_contiguous and b.creator.flags.c_contiguous:  # one compiled pass
        free = sent[:kernels.messages_free(sent, uniform, b.attachment, f.banned, b.creator,
                                           sent)]
    else:
        sent = sent[uniform < b.attachment.reshape(-1)[sent]]
        free = sent[~f.banned[sent // p.max_follows] & (b.creator.reshape(-1)[sent] >= 0)]
    requests = s.count(free)
    capacity = np.multiply(c.reply_capacity, output, out=np.zeros(p.n_creators),
                           where=output > 0)  # an AI's inf * 0 would be nan
    replied = free[rng.random(free.size) < reply_probability(requests, capacity)[s.flat[free]]]
    model.today.replies = s.count(replied)
    model.today.unanswered = requests - model.today.replies
    recognitions.reshape(-1)[replied] += 1.0


def receive(model, bonds_flat, count, recognitions) -> None:
    """`count` name-inserted broadcasts reach each bond in `bonds_flat`: felt recognition."""
    p, f, b = model.params, model.fans, model.bonds
    rows = bonds_flat // p.max_follows
    value = broadcast_value(p.broadcast_value, f.literacy[rows], p.literacy_effect,
                            b.broadcasts.reshape(-1)[bonds_flat], p.broadcast_habituation)
    recognitions.reshape(-1)[bonds_flat] += count * value
    b.broadcasts.reshape(-1)[bonds_flat] += count


def paid_broadcasts(model, output, ledger, recognitions) -> None:
    """Creators selling messages one by one offer each broadcast to every follower.

    A follower buys at most one a day, with chance min(1, rate * p): p is the
    purchase probability at `paid_message_appeal` (attachment drives it, price
    against means and literacy restrain it), `rate` the creator's broadcasts today.
    """
    p, f, b, c, s, rng = model.params, model.fans, model.bonds, model.creators, model.slots, model.rng
    rate = np.where(c.paid_mode == PER_MESSAGE, c.broadcast_rate * np.minimum(1.0, output), 0.0)
    if not rate.any():
        return
    ceiling = min(1.0, rate.max() * p.paid_message_appeal)
    offered = bernoulli_positions(rng, b.creator.size, ceiling)
    offered = offered[~f.banned[offered // p.max_follows] & (b.creator.reshape(-1)[offered] >= 0)]
    rows, creator = offered // p.max_follows, s.flat[offered]
    price = c.message_price[creator]
    want = np.minimum(1.0, rate[creator] * purchase_probability(
        b.attachment.reshape(-1)[offered], price, monthly_means(model, rows), ledger.budget[rows],
        p.paid_message_appeal, p.spend_attachment_power, f.literacy[rows], p.literacy_effect,
        p.price_sensitivity))
    buying = offered[rng.random(offered.size) * ceiling < want]
    paid = ledger.pay(buying, c.message_price[s.flat[buying]], "paid_message")
    receive(model, paid, 1.0, recognitions)
    model.today.paid_messages += int(paid.size)


def subscriber_broadcasts(model, day, output, recognitions) -> None:
    """Creators selling messages with a subscription broadcast to every current subscriber."""
    b, c, s = model.bonds, model.creators, model.slots
    rate = np.where(c.paid_mode == SUBSCRIPTION, c.broadcast_rate * np.minimum(1.0, output), 0.0)
    if not rate.any():
        return
    subscribed = np.flatnonzero(((b.subscribed_until > day) & s.valid
                                 & ~model.fans.banned[:, None]).ravel())
    count = np.append(rate, 0.0)[s.flat[subscribed]]
    subscribed, count = subscribed[count > 0], count[count > 0]
    receive(model, subscribed, count, recognitions)


def live_chat(model, output, live, recognitions) -> None:
    """On stream a creator reads a limited number of chatting fans' names per hour."""
    p, b, c, s, rng = model.params, model.bonds, model.creators, model.slots, model.rng
    watching = np.flatnonzero(live.ravel() > 0)
    chatting = watching[rng.random(watching.size) < b.attachment.reshape(-1)[watching]]
    names = c.chat_share * 60.0 * c.live_hours * output
    read_p = reply_probability(s.count(chatting), names)
    read = chatting[rng.random(chatting.size) < read_p[s.flat[chatting]]]
    recognitions.reshape(-1)[read] += p.shoutout_value


def step(model, day, output, live, ledger, thanked):
    """Today's recognitions per bond from replies, names read on stream and broadcasts.

    `thanked` are the bonds (flat indices) of off-stream donors, each thanked by name
    in a broadcast.
    """
    b = model.bonds
    shrink(b.broadcasts, MONTH)  # b.broadcasts -= b.broadcasts / MONTH
    recognitions = scratch(model).get("recognitions", b.creator.shape, zero=True)
    receive(model, thanked, 1.0, recognitions)
    messages(model, output, recognitions)
    paid_broadcasts(model, output, ledger, recognitions)
    subscriber_broadcasts(model, day, output, recognitions)
    if live is not None:
        live_chat(model, output, live, recognitions)
    return recognitions
