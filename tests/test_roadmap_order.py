"""The ordering of planned steps: the fast path for steps no other step needs gives the same
order and deadlines as working out every step's dependants."""

import datetime
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.engine.roadmap import PlannedStep, ordered, upcoming_date


def ordered_by_every_closure(steps, requires):
    """The ordering as it was before the fast path: every step's closure worked out."""
    by_key = {step.key: step for step in steps}
    dependants = {key: [] for key in by_key}
    for key, needed in requires.items():
        for required in needed:
            dependants[required].append(key)

    def closure(key):
        seen, stack = {key}, [key]
        while stack:
            for user in dependants[stack.pop()]:
                if user not in seen:
                    seen.add(user)
                    stack.append(user)
        return seen

    effective, deadlines = {}, {}
    for step in steps:
        users = [by_key[key] for key in closure(step.key)]
        dates = [d for d in (upcoming_date(user) for user in users) if d is not None]
        if dates:
            deadlines[step.key] = min(dates)
        urgent = any(user.urgent for user in users)
        in_force = any(user.in_force for user in users)
        effective[step.key] = replace(step, urgent=urgent, in_force=in_force)

    def rank(step):
        step = effective[step.key]
        if step.urgent:
            return (0, datetime.date.min, -step.priority, step.key)
        if step.key in deadlines:
            return (1, deadlines[step.key], -step.priority, step.key)
        if step.in_force:
            return (2, datetime.date.min, -step.priority, step.key)
        return (3, datetime.date.min, -step.priority, step.key)

    result, emitted = [], set()

    def emit(step, visiting):
        if step.key in emitted or step.key in visiting:
            return
        for required in sorted((by_key[k] for k in requires.get(step.key, ())), key=rank):
            emit(required, visiting | {step.key})
        emitted.add(step.key)
        result.append(effective[step.key])

    for step in sorted(steps, key=rank):
        emit(step, frozenset())
    return result, deadlines


@st.composite
def steps_and_prerequisites(draw):
    count = draw(st.integers(min_value=0, max_value=14))
    keys = [f"s{index}" for index in range(count)]
    steps = []
    for key in keys:
        legal = draw(st.sampled_from([None, "dated", "ongoing"]))
        steps.append(
            PlannedStep(
                key=key,
                dimension="web",
                current=0.0,
                gap=1.0,
                priority=draw(st.sampled_from([0.1, 0.5, 1.0, 2.0])),
                effort_hours=1.0,
                cost_once=0.0,
                cost_monthly=0.0,
                urgent=draw(st.booleans()),
                in_force=legal == "ongoing" and draw(st.booleans()),
                legal_kind=legal,
                legal_status=draw(st.sampled_from(["applies", "possibly", "not"]))
                if legal
                else None,
                legal_date=datetime.date(2026, 1, 1)
                + datetime.timedelta(days=draw(st.integers(0, 900)))
                if legal
                else None,
            )
        )
    # Prerequisites may form cycles: the ordering must cope with them as before.
    requires = {
        key: tuple(draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)))
        for key in keys
        if draw(st.booleans())
    }
    requires = {key: tuple(k for k in needed if k != key) for key, needed in requires.items()}
    return steps, requires


@settings(max_examples=300, deadline=None)
@given(steps_and_prerequisites())
def test_ordering_matches_working_out_every_steps_dependants(case):
    steps, requires = case
    assert ordered(steps, requires) == ordered_by_every_closure(steps, requires)
