"""The roadmap engine: answers, profile facts, the catalogue and a budget in; a dated plan out.

A step is *relevant* when its trigger holds, every `when` condition holds and no `unless`
condition holds. Conditions look at chosen options, question and dimension scores and the
company's profile facts; a profile fact that is `unknown` makes a condition "maybe".

A step with a legal duty *applies* when every `applies_if` condition holds, *possibly*
applies when some depend on unknown facts, and otherwise is a plain recommendation.

Order, in four tiers: urgent steps first (existential risks and applicable dated duties
whose date has passed), then dated duties still ahead, earliest first, then ongoing duties
that apply to this company and are in force today (an Impressum, GDPR records: not sorted
by their date, but owed now), then everything else; within a tier by impact * gap /
(1 + hours). A duty that only *possibly* applies ranks as a recommendation (its legal note
says when it applies). A step's prerequisites always come before it and inherit its tier.
Steps of one `group` are variants: only the cheapest relevant one is planned, the others
are its alternatives.

Phases count from `today`: Now (months 0-3), Next (3-6), Later (6-12), each filled up to
the company's hours and euros (monthly cost counts in its phase and every later one). Urgent
steps go into Now even over budget; a dated duty goes into a phase that ends before its
deadline, or is booked over budget with the reason "deadline"; an ongoing duty in force
goes into the first phase with room, within the budget like any other step (owed today, but
not "at any cost": the budget is the company's own). A step that fits nowhere is
left out with the true reason: hours, money or a prerequisite that did not fit. No ORM here.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from assessment.engine.scoring import AnswerInput, Result

# Tri-state truth of a condition: True, False or None ("maybe": depends on an unknown fact).
Truth = bool | None
UNKNOWN = "unknown"
EPSILON = 1e-9


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass(frozen=True)
class Condition:
    """One condition on a question, a dimension or a profile fact (exactly one subject)."""

    question: str | None = None
    dimension: str | None = None
    profile: str | None = None
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()
    below: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Condition:
        below = data.get("below")
        return cls(
            question=data.get("question"),
            dimension=data.get("dimension"),
            profile=data.get("profile"),
            any_of=tuple(data.get("any_of") or ()),
            none_of=tuple(data.get("none_of") or ()),
            below=None if below is None else float(below),
        )

    def to_dict(self) -> dict:
        return {name: value for name, value in asdict(self).items() if value not in (None, ())}


@dataclass(frozen=True)
class DeadlineRule:
    date: datetime.date
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class LegalSpec:
    kind: Literal["dated", "ongoing"]
    deadline: datetime.date | None = None
    deadlines: tuple[DeadlineRule, ...] = ()
    since: datetime.date | None = None
    applies_if: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class StepSpec:
    key: str
    dimension: str
    trigger: Condition
    effort_hours: float
    cost_once: float
    cost_monthly: float
    impact: int
    requires: tuple[str, ...] = ()
    when: tuple[Condition, ...] = ()
    unless: tuple[Condition, ...] = ()
    group: str = ""
    existential: bool = False
    legal: LegalSpec | None = None

    @property
    def yearly_cost(self) -> float:
        return self.cost_once + 12 * self.cost_monthly


@dataclass(frozen=True)
class Budget:
    monthly_eur: float
    monthly_hours: float


@dataclass(frozen=True)
class PhaseSpec:
    key: str
    months: int


PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec("now", 3),
    PhaseSpec("next", 3),
    PhaseSpec("later", 6),
)

LegalStatus = Literal["applies", "possibly", "not"]


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
    existential: bool = False
    # "dated" or "ongoing" for a step with a legal fact, else None.
    legal_kind: str | None = None
    # Whether the duty applies to this company: "applies", "possibly" or "not".
    legal_status: LegalStatus | None = None
    # Dated: the date the duty applies from; ongoing: the date it has applied since.
    legal_date: datetime.date | None = None
    # Dated duties whose date depends on unknown facts: every date that may apply, earliest first.
    legal_dates: tuple[datetime.date, ...] = ()
    # An applicable dated duty whose date has passed.
    overdue: bool = False
    # Existential or overdue, or a prerequisite of such a step: planned in Now at any cost.
    urgent: bool = False
    # An ongoing duty that applies to this company and is in force today (its `since` date
    # has passed): ranked after urgent steps and dated duties, before every recommendation.
    in_force: bool = False
    # Booked beyond the phase's hours or money, and why: "urgent", "deadline" or "first_step".
    over_budget: bool = False
    over_budget_reason: str | None = None
    # Left out of the plan, and why: "hours", "money", "hours_and_money" or "prerequisite".
    reason: str | None = None
    # The prerequisite that did not fit (reason "prerequisite").
    blocked_by: str | None = None
    # Other steps of the same group that would do the same job.
    alternatives: tuple[str, ...] = ()

    @property
    def is_duty(self) -> bool:
        return self.legal_status == "applies"

    @property
    def legal_deadline(self) -> datetime.date | None:
        """The date a dated duty applies from (None for ongoing duties and plain steps)."""
        return self.legal_date if self.legal_kind == "dated" else None


@dataclass(frozen=True)
class PhasePlan:
    key: str
    months: int
    starts: datetime.date
    ends: datetime.date
    steps: tuple[PlannedStep, ...]
    hours_used: float
    hours_available: float
    money_used: float
    money_available: float


@dataclass(frozen=True)
class Roadmap:
    phases: tuple[PhasePlan, ...]
    unscheduled: tuple[PlannedStep, ...]
    today: datetime.date
    reassess_on: datetime.date

    @property
    def steps(self) -> list[PlannedStep]:
        return [step for phase in self.phases for step in phase.steps]

    def phase_of(self, key: str) -> str | None:
        for phase in self.phases:
            if any(step.key == key for step in phase.steps):
                return phase.key
        return None

    def step(self, key: str) -> PlannedStep | None:
        return next((s for s in [*self.steps, *self.unscheduled] if s.key == key), None)

    def next_steps(self, count: int = 3) -> list[PlannedStep]:
        """The steps for this month: the first `count` of the Now phase, in plan order.

        The results page and the PDF's executive page both show these.
        """
        now = next((phase for phase in self.phases if phase.key == "now"), None)
        return list(now.steps[:count]) if now else []

    def to_dict(self) -> dict:
        return plain(asdict(self))


def plain(value: Any) -> Any:
    """Dates as ISO text and tuples as lists, so the plan is JSON."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


# --- Conditions


@dataclass(frozen=True)
class Situation:
    """Everything a condition can look at.

    The catalogue asks about the same few questions and facts again and again (about thirty
    thousand times per hundred plans), so each answer is worked out once per plan and kept.
    """

    result: Result
    answers: Mapping[str, AnswerInput]
    facts: Mapping[str, Any]
    known_choices: dict[str, frozenset[str] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    known_percents: dict[str, float | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    known_facts: dict[str, frozenset[str] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def chosen(self, key: str) -> frozenset[str] | None:
        """The options chosen for a question that is answered and applies, else None."""
        try:
            return self.known_choices[key]
        except KeyError:
            value = self.known_choices[key] = self.find_chosen(key)
            return value

    def find_chosen(self, key: str) -> frozenset[str] | None:
        question = self.result.question(key)
        if question is not None and question.status in ("hidden", "not_applicable", "unanswered"):
            return None
        answer = self.answers.get(key)
        if answer is None or answer.not_applicable or not answer.options:
            return None
        return frozenset(answer.options)

    def question_percent(self, key: str) -> float | None:
        try:
            return self.known_percents[key]
        except KeyError:
            question = self.result.question(key)
            value = (
                None
                if question is None or question.status != "answered" or question.score is None
                else 100.0 * question.score
            )
            self.known_percents[key] = value
            return value

    def dimension_percent(self, key: str) -> float | None:
        dimension = self.result.dimension(key)
        return None if dimension is None else dimension.score

    def fact(self, key: str) -> frozenset[str] | None:
        """A profile fact as a set of values; None when unknown."""
        try:
            return self.known_facts[key]
        except KeyError:
            pass
        value = self.facts.get(key, UNKNOWN)
        if isinstance(value, str):
            values = None if value in ("", UNKNOWN) else frozenset([value])
        else:
            values = frozenset(value or ()) or None
        self.known_facts[key] = values
        return values


def truth(condition: Condition, situation: Situation) -> Truth:
    """Whether a condition holds: True, False, or None when it depends on an unknown fact."""
    if condition.profile is not None:
        values = situation.fact(condition.profile)
        if values is None:
            return None
        if condition.any_of and values.isdisjoint(condition.any_of):
            return False
        return not (condition.none_of and not values.isdisjoint(condition.none_of))
    if condition.dimension is not None:
        value = situation.dimension_percent(condition.dimension)
        return value is not None and (condition.below is None or value < condition.below)
    if condition.question is None:
        return False
    chosen = situation.chosen(condition.question)
    if chosen is None:
        return False
    if condition.any_of and chosen.isdisjoint(condition.any_of):
        return False
    if condition.none_of and not chosen.isdisjoint(condition.none_of):
        return False
    if condition.below is not None:
        value = situation.question_percent(condition.question)
        return value is not None and value < condition.below
    return True


def all_of(conditions: Iterable[Condition], situation: Situation) -> Truth:
    """True if all hold, False if one fails, None if the rest are maybe."""
    outcome: Truth = True
    for condition in conditions:
        value = truth(condition, situation)
        if value is False:
            return False
        if value is None:
            outcome = None
    return outcome


def trigger_value(step: StepSpec, situation: Situation) -> float | None:
    """The trigger's current value in percent, or None when it cannot be judged."""
    if step.trigger.question is not None:
        return situation.question_percent(step.trigger.question)
    if step.trigger.dimension is not None:
        return situation.dimension_percent(step.trigger.dimension)
    return None


def trigger_holds(step: StepSpec, situation: Situation) -> bool:
    """The trigger condition holds; without `below` it means "below 100"."""
    if truth(step.trigger, situation) is not True:
        return False
    if step.trigger.below is None:
        value = trigger_value(step, situation)
        return value is not None and value < 100.0
    return True


def is_relevant(step: StepSpec, situation: Situation) -> bool:
    """Trigger holds, no `when` fails (maybe counts as holding), no `unless` definitely holds."""
    if not trigger_holds(step, situation):
        return False
    if all_of(step.when, situation) is False:
        return False
    return not any(truth(condition, situation) is True for condition in step.unless)


@dataclass(frozen=True)
class LegalView:
    kind: str
    status: LegalStatus
    date: datetime.date | None
    dates: tuple[datetime.date, ...] = ()


def legal_view(legal: LegalSpec, situation: Situation) -> LegalView:
    """Whether the duty applies to this company and from which date."""
    applies = all_of(legal.applies_if, situation)
    statuses: dict[bool | None, LegalStatus] = {True: "applies", None: "possibly", False: "not"}
    if legal.kind == "ongoing":
        return LegalView("ongoing", statuses[applies], legal.since)
    if legal.deadline is not None or not legal.deadlines:
        status = statuses[applies]
        return LegalView("dated", status, legal.deadline)
    # Dated by profile: the first rule that holds wins; rules before it that depend on an
    # unknown fact may apply too, so the earliest of them is planned for.
    candidates: list[datetime.date] = []
    definite = False
    for rule in legal.deadlines:
        value = all_of(rule.conditions, situation)
        if value is False:
            continue
        candidates.append(rule.date)
        if value is True:
            definite = True
            break
    if not candidates:
        return LegalView("dated", "not", None)
    if applies is False:
        status = "not"
    elif applies is None or not definite:
        status = "possibly"
    else:
        status = "applies"
    dates = tuple(sorted(set(candidates)))
    return LegalView("dated", status, dates[0], dates if len(dates) > 1 else ())


# --- Choosing and ordering the steps


def relevant_steps(
    catalogue: Sequence[StepSpec],
    situation: Situation,
    done: Mapping[str, float | None],
    today: datetime.date,
) -> tuple[list[PlannedStep], dict[str, str]]:
    """The steps to plan, and for every key of a group the key of the variant planned."""
    candidates: list[tuple[StepSpec, PlannedStep]] = []
    satisfied_groups: set[str] = set()
    for spec in catalogue:
        if not is_relevant(spec, situation):
            continue
        current = trigger_value(spec, situation)
        if current is None:
            continue
        if spec.key in done:
            value_when_done = done[spec.key]
            if value_when_done is None or current >= value_when_done:
                if spec.group:
                    satisfied_groups.add(spec.group)
                continue
        gap = (100.0 - current) / 100.0
        legal = legal_view(spec.legal, situation) if spec.legal else None
        overdue = bool(
            legal
            and legal.kind == "dated"
            and legal.status == "applies"
            and legal.date is not None
            and legal.date <= today
        )
        in_force = bool(
            legal
            and legal.kind == "ongoing"
            and legal.status == "applies"
            and (legal.date is None or legal.date <= today)
        )
        candidates.append(
            (
                spec,
                PlannedStep(
                    key=spec.key,
                    dimension=spec.dimension,
                    current=current,
                    gap=gap,
                    priority=spec.impact * gap / (1.0 + spec.effort_hours),
                    effort_hours=spec.effort_hours,
                    cost_once=spec.cost_once,
                    cost_monthly=spec.cost_monthly,
                    existential=spec.existential,
                    legal_kind=legal.kind if legal else None,
                    legal_status=legal.status if legal else None,
                    legal_date=legal.date if legal else None,
                    legal_dates=legal.dates if legal else (),
                    overdue=overdue,
                    urgent=spec.existential or overdue,
                    in_force=in_force,
                ),
            )
        )
    groups: dict[str, list[tuple[StepSpec, PlannedStep]]] = {}
    for spec, step in candidates:
        if spec.group:
            groups.setdefault(spec.group, []).append((spec, step))
    # The variant planned for each group: the cheapest (a year's cost, then effort).
    chosen: dict[str, PlannedStep] = {}
    for group, members in groups.items():
        if group in satisfied_groups:
            continue
        members.sort(key=lambda item: (item[0].yearly_cost, item[0].effort_hours, item[0].key))
        best = members[0][1]
        # A variant is urgent when any of the variants is.
        chosen[group] = replace(
            best,
            alternatives=tuple(other.key for other, _ in members[1:]),
            urgent=any(other.urgent for _, other in members),
            in_force=any(other.in_force for _, other in members),
        )
    steps: list[PlannedStep] = []
    for spec, step in candidates:
        if not spec.group:
            steps.append(step)
        elif spec.group in chosen and chosen[spec.group].key == spec.key:
            steps.append(chosen[spec.group])
    chosen_in_group = {
        spec.key: chosen[spec.group].key
        for spec in catalogue
        if spec.group and spec.group in chosen
    }
    return steps, chosen_in_group


def upcoming_date(step: PlannedStep) -> datetime.date | None:
    """The date a dated duty (that applies or possibly applies) must be met by."""
    if step.legal_kind == "dated" and step.legal_status in ("applies", "possibly"):
        return step.legal_date
    return None


def prerequisites_of(
    catalogue: Sequence[StepSpec], chosen_in_group: Mapping[str, str], planned: set[str]
) -> dict[str, tuple[str, ...]]:
    """For each planned step, the planned steps it needs (a group member stands for its group)."""
    result: dict[str, tuple[str, ...]] = {}
    for spec in catalogue:
        if spec.key not in planned:
            continue
        needed = []
        for key in spec.requires:
            key = chosen_in_group.get(key, key)
            if key in planned and key != spec.key and key not in needed:
                needed.append(key)
        result[spec.key] = tuple(needed)
    return result


def ordered(
    steps: list[PlannedStep], requires: Mapping[str, tuple[str, ...]]
) -> tuple[list[PlannedStep], dict[str, datetime.date]]:
    """Urgent, then dated duties by date, then ongoing duties in force, then the rest; by
    priority within a tier. Prerequisites come first and inherit the tier (urgency, deadline,
    duty in force) of the steps that need them. Returns the order and each step's effective
    deadline."""
    by_key = {step.key: step for step in steps}
    dependants: dict[str, list[str]] = {key: [] for key in by_key}
    for key, needed in requires.items():
        for required in needed:
            dependants[required].append(key)

    def closure(key: str) -> set[str]:
        seen, stack = {key}, [key]
        while stack:
            for user in dependants[stack.pop()]:
                if user not in seen:
                    seen.add(user)
                    stack.append(user)
        return seen

    effective: dict[str, PlannedStep] = {}
    deadlines: dict[str, datetime.date] = {}
    for step in steps:
        if not dependants[step.key]:
            # Most steps are needed by no other: their rank is their own.
            own_date = upcoming_date(step)
            if own_date is not None:
                deadlines[step.key] = own_date
            effective[step.key] = step
            continue
        users = [by_key[key] for key in closure(step.key)]
        dates = [d for d in (upcoming_date(user) for user in users) if d is not None]
        if dates:
            deadlines[step.key] = min(dates)
        urgent = any(user.urgent for user in users)
        in_force = any(user.in_force for user in users)
        effective[step.key] = (
            step
            if (urgent, in_force) == (step.urgent, step.in_force)
            else replace(step, urgent=urgent, in_force=in_force)
        )

    def rank(step: PlannedStep) -> tuple:
        step = effective[step.key]
        if step.urgent:
            return (0, datetime.date.min, -step.priority, step.key)
        if step.key in deadlines:
            return (1, deadlines[step.key], -step.priority, step.key)
        if step.in_force:
            return (2, datetime.date.min, -step.priority, step.key)
        return (3, datetime.date.min, -step.priority, step.key)

    result: list[PlannedStep] = []
    emitted: set[str] = set()

    def emit(step: PlannedStep, visiting: frozenset[str]) -> None:
        if step.key in emitted or step.key in visiting:
            return
        for required in sorted((by_key[k] for k in requires.get(step.key, ())), key=rank):
            emit(required, visiting | {step.key})
        emitted.add(step.key)
        result.append(effective[step.key])

    for step in sorted(steps, key=rank):
        emit(step, frozenset())
    return result, deadlines


# --- Placing the steps into phases


def plan(
    result: Result,
    catalogue: Sequence[StepSpec],
    budget: Budget,
    done: Mapping[str, float | None] | None = None,
    *,
    answers: Mapping[str, AnswerInput] | None = None,
    facts: Mapping[str, Any] | None = None,
    today: datetime.date,
    reassess_months: int = 6,
) -> Roadmap:
    """Phase the relevant steps into Now / Next / Later within the budget, counted from today.

    `answers` are the answers to the questions shown (question key -> chosen options or not
    applicable); `facts` the company's profile facts (`unknown` where not known); `done` maps
    a done step's key to its trigger value when it was done.
    """
    done = done or {}
    situation = Situation(result=result, answers=answers or {}, facts=facts or {})
    steps, chosen_in_group = relevant_steps(catalogue, situation, done, today)
    planned_keys = {step.key for step in steps}
    requires = prerequisites_of(catalogue, chosen_in_group, planned_keys)
    steps, deadlines = ordered(steps, requires)

    count = len(PHASES)
    starts, ends = [], []
    month = 0
    for phase in PHASES:
        starts.append(add_months(today, month))
        month += phase.months
        ends.append(add_months(today, month))
    hours_available = [max(budget.monthly_hours, 0.0) * phase.months for phase in PHASES]
    money_available = [max(budget.monthly_eur, 0.0) * phase.months for phase in PHASES]
    hours_used = [0.0] * count
    money_used = [0.0] * count
    placed: dict[str, int] = {}
    planned: list[list[PlannedStep]] = [[] for _ in PHASES]

    def hours_fit(step: PlannedStep, index: int) -> bool:
        return hours_used[index] + step.effort_hours <= hours_available[index] + EPSILON

    def money_fit(step: PlannedStep, index: int) -> bool:
        for later in range(index, count):
            extra = step.cost_monthly * PHASES[later].months
            if later == index:
                extra += step.cost_once
            if money_used[later] + extra > money_available[later] + EPSILON:
                return False
        return True

    def fits(step: PlannedStep, index: int) -> bool:
        return hours_fit(step, index) and money_fit(step, index)

    def book(step: PlannedStep, index: int) -> None:
        hours_used[index] += step.effort_hours
        for later in range(index, count):
            money_used[later] += step.cost_monthly * PHASES[later].months
        money_used[index] += step.cost_once
        placed[step.key] = index
        planned[index].append(step)

    def over(step: PlannedStep, index: int, why: str) -> None:
        book(
            step if fits(step, index) else replace(step, over_budget=True, over_budget_reason=why),
            index,
        )

    def why_not(step: PlannedStep, earliest: int) -> str:
        some_hours = any(hours_fit(step, i) for i in range(earliest, count))
        some_money = any(money_fit(step, i) for i in range(earliest, count))
        return "money" if some_hours else ("hours" if some_money else "hours_and_money")

    def place(step: PlannedStep) -> PlannedStep | None:
        """Book the step; or return it with the reason it fits nowhere."""
        needed = requires.get(step.key, ())
        missing = next((key for key in needed if key not in placed), None)
        if missing is not None:
            return replace(step, reason="prerequisite", blocked_by=missing)
        earliest = max((placed[key] for key in needed), default=0)
        if step.urgent:
            over(step, earliest, "urgent")
            return None
        deadline = deadlines.get(step.key)
        if deadline is not None and deadline <= ends[-1]:
            in_time = [i for i in range(earliest, count) if ends[i] <= deadline]
            index = next((i for i in in_time if fits(step, i)), None)
            if index is not None:
                book(step, index)
            else:
                over(step, in_time[-1] if in_time else earliest, "deadline")
            return None
        index = next((i for i in range(earliest, count) if fits(step, i)), None)
        if index is not None:
            book(step, index)
            return None
        return replace(step, reason=why_not(step, earliest))

    unscheduled = [waiting for waiting in map(place, steps) if waiting is not None]
    if not placed and unscheduled:
        # Never leave a company with gaps empty-handed: the smallest step that needs nothing
        # else goes first, marked as beyond the stated budget; the rest is placed again after it.
        startable = [step for step in unscheduled if not requires.get(step.key)]
        smallest = min(
            startable or unscheduled,
            key=lambda s: (s.cost_once + 12 * s.cost_monthly, s.effort_hours, -s.priority, s.key),
        )
        book(
            replace(
                smallest,
                over_budget=True,
                over_budget_reason="first_step",
                reason=None,
                blocked_by=None,
            ),
            0,
        )
        rest = [
            replace(step, reason=None, blocked_by=None)
            for step in unscheduled
            if step.key != smallest.key
        ]
        unscheduled = [waiting for waiting in map(place, rest) if waiting is not None]

    phases = tuple(
        PhasePlan(
            key=phase.key,
            months=phase.months,
            starts=starts[index],
            ends=ends[index],
            steps=tuple(planned[index]),
            hours_used=hours_used[index],
            hours_available=hours_available[index],
            money_used=money_used[index],
            money_available=money_available[index],
        )
        for index, phase in enumerate(PHASES)
    )
    return Roadmap(
        phases=phases,
        unscheduled=tuple(unscheduled),
        today=today,
        reassess_on=add_months(today, max(int(reassess_months), 1)),
    )
