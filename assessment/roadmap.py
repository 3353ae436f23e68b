"""The roadmap engine: a scoring result, the catalogue and a budget in; a phased plan out.

Triggered steps are ordered with legal deadlines first, then by impact times gap per hour
of effort; a step's prerequisites always come before it. Steps are placed in the earliest
phase (Now 0-3 months, Next 3-6, Later 6-12) where they fit the company's monthly money and
time, counting a step's monthly cost in its own phase and every later one, and at most a
handful per phase. No ORM here.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from assessment.scoring import Result


@dataclass(frozen=True)
class StepSpec:
    key: str
    dimension: str
    below: float
    effort_hours: float
    cost_once: float
    cost_monthly: float
    impact: int
    trigger_question: str | None = None
    trigger_dimension: str | None = None
    requires: tuple[str, ...] = ()
    legal_deadline: datetime.date | None = None


@dataclass(frozen=True)
class Budget:
    monthly_eur: float
    monthly_hours: float


@dataclass(frozen=True)
class PhaseSpec:
    key: str
    months: int
    # A shop owner can act on a handful of steps at a time; the rest waits its turn.
    max_steps: int


PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec("now", 3, 5),
    PhaseSpec("next", 3, 5),
    PhaseSpec("later", 6, 6),
)


@dataclass(frozen=True)
class PlannedStep:
    key: str
    dimension: str
    # The trigger's current value in percent (question or dimension score) and its gap to 100.
    current: float
    gap: float
    priority: float
    effort_hours: float
    cost_once: float
    cost_monthly: float
    legal_deadline: datetime.date | None
    over_budget: bool = False


@dataclass(frozen=True)
class PhasePlan:
    key: str
    months: int
    steps: tuple[PlannedStep, ...]
    hours_used: float
    hours_available: float
    money_used: float
    money_available: float


@dataclass(frozen=True)
class Roadmap:
    phases: tuple[PhasePlan, ...]
    unscheduled: tuple[PlannedStep, ...]

    @property
    def steps(self) -> list[PlannedStep]:
        return [step for phase in self.phases for step in phase.steps]

    def phase_of(self, key: str) -> str | None:
        for phase in self.phases:
            if any(step.key == key for step in phase.steps):
                return phase.key
        return None

    def to_dict(self) -> dict:
        data = asdict(self)
        for step in [s for phase in data["phases"] for s in phase["steps"]] + list(
            data["unscheduled"]
        ):
            if step["legal_deadline"] is not None:
                step["legal_deadline"] = step["legal_deadline"].isoformat()
        return data


def trigger_value(step: StepSpec, result: Result) -> float | None:
    """The trigger's current value in percent, or None when it cannot be judged."""
    if step.trigger_question is not None:
        question = result.question(step.trigger_question)
        if question is None or question.status != "answered" or question.score is None:
            return None
        return 100.0 * question.score
    if step.trigger_dimension is not None:
        dimension = result.dimension(step.trigger_dimension)
        return None if dimension is None else dimension.score
    return None


def triggered_steps(
    result: Result,
    catalogue: Sequence[StepSpec],
    done: Mapping[str, float | None],
) -> list[PlannedStep]:
    """Steps whose trigger fires, without those already done unless their trigger fell back."""
    steps = []
    for spec in catalogue:
        current = trigger_value(spec, result)
        if current is None or current >= spec.below:
            continue
        if spec.key in done:
            value_when_done = done[spec.key]
            if value_when_done is None or current >= value_when_done:
                continue
        gap = (100.0 - current) / 100.0
        steps.append(
            PlannedStep(
                key=spec.key,
                dimension=spec.dimension,
                current=current,
                gap=gap,
                priority=spec.impact * gap / (1.0 + spec.effort_hours),
                effort_hours=spec.effort_hours,
                cost_once=spec.cost_once,
                cost_monthly=spec.cost_monthly,
                legal_deadline=spec.legal_deadline,
            )
        )
    return steps


def ordered(steps: list[PlannedStep], catalogue: Sequence[StepSpec]) -> list[PlannedStep]:
    """Legal deadlines first, then priority; every pending prerequisite right before its user."""
    requires = {spec.key: spec.requires for spec in catalogue}
    pending = {step.key: step for step in steps}

    def rank(step: PlannedStep) -> tuple:
        has_deadline = step.legal_deadline is not None
        deadline = step.legal_deadline or datetime.date.max
        return (not has_deadline, deadline, -step.priority, step.key)

    result: list[PlannedStep] = []
    emitted: set[str] = set()

    def emit(step: PlannedStep, visiting: frozenset[str]) -> None:
        if step.key in emitted or step.key in visiting:
            return
        prerequisites = sorted(
            (pending[key] for key in requires.get(step.key, ()) if key in pending), key=rank
        )
        for prerequisite in prerequisites:
            emit(prerequisite, visiting | {step.key})
        emitted.add(step.key)
        result.append(step)

    for step in sorted(steps, key=rank):
        emit(step, frozenset())
    return result


def plan(
    result: Result,
    catalogue: Sequence[StepSpec],
    budget: Budget,
    done: Mapping[str, float | None] | None = None,
) -> Roadmap:
    """Phase the triggered steps into Now / Next / Later within the budget."""
    done = done or {}
    requires = {spec.key: spec.requires for spec in catalogue}
    steps = ordered(triggered_steps(result, catalogue, done), catalogue)

    phase_count = len(PHASES)
    hours_available = [max(budget.monthly_hours, 0.0) * phase.months for phase in PHASES]
    money_available = [max(budget.monthly_eur, 0.0) * phase.months for phase in PHASES]
    hours_used = [0.0] * phase_count
    money_used = [0.0] * phase_count
    placed: dict[str, int] = {}
    unscheduled: list[PlannedStep] = []
    planned: list[list[PlannedStep]] = [[] for _ in PHASES]
    step_keys = {step.key for step in steps}

    def fits(step: PlannedStep, index: int) -> bool:
        if len(planned[index]) >= PHASES[index].max_steps:
            return False
        if hours_used[index] + step.effort_hours > hours_available[index] + 1e-9:
            return False
        for later in range(index, phase_count):
            extra = step.cost_monthly * PHASES[later].months
            if later == index:
                extra += step.cost_once
            if money_used[later] + extra > money_available[later] + 1e-9:
                return False
        return True

    def book(step: PlannedStep, index: int) -> None:
        hours_used[index] += step.effort_hours
        for later in range(index, phase_count):
            money_used[later] += step.cost_monthly * PHASES[later].months
        money_used[index] += step.cost_once
        placed[step.key] = index
        planned[index].append(step)

    for step in steps:
        pending_prerequisites = [key for key in requires.get(step.key, ()) if key in step_keys]
        if any(key not in placed for key in pending_prerequisites):
            unscheduled.append(step)
            continue
        earliest = max((placed[key] for key in pending_prerequisites), default=0)
        index = next((i for i in range(earliest, phase_count) if fits(step, i)), None)
        if index is None:
            unscheduled.append(step)
        else:
            book(step, index)

    if not placed and unscheduled:
        # Never leave a company with gaps empty-handed: the smallest step that needs nothing
        # else goes first, marked as beyond the stated budget.
        startable = [
            step
            for step in unscheduled
            if not any(key in step_keys for key in requires.get(step.key, ()))
        ]
        smallest = min(
            startable or unscheduled,
            key=lambda s: (s.cost_once + 12 * s.cost_monthly, s.effort_hours, -s.priority, s.key),
        )
        unscheduled.remove(smallest)
        over = PlannedStep(**{**asdict(smallest), "over_budget": True})
        book(over, 0)

    phases = tuple(
        PhasePlan(
            key=phase.key,
            months=phase.months,
            steps=tuple(planned[index]),
            hours_used=hours_used[index],
            hours_available=hours_available[index],
            money_used=money_used[index],
            money_available=money_available[index],
        )
        for index, phase in enumerate(PHASES)
    )
    return Roadmap(phases=phases, unscheduled=tuple(unscheduled))
