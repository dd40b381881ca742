"""The inbox's drain waits behind a burst of callbacks and only behind a burst: the rule, looked
at through the drain's own clock (a step each look) and the waiting rows' count."""

from __future__ import annotations

from billing.inbox import INTAKE_BUSY, INTAKE_SAMPLE, IntakeWatch


class Steps:
    """The drain's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def looks(rate: float, looks: int, *, step: float, matched_each: int = 0) -> list[bool]:
    """busy() at each look while callbacks arrive at `rate` a second and the drain matches
    `matched_each` rows between looks."""
    clock = Steps()
    watch = IntakeWatch(clock)
    waiting, answers = 0, []
    for _ in range(looks):
        clock.now += step
        waiting += round(rate * step) - matched_each
        watch.matched(matched_each)
        answers.append(watch.busy(waiting))
    return answers


def test_a_burst_is_waited_behind_once_its_rate_is_judged():
    answers = looks(200, 10, step=0.05, matched_each=0)
    judged_at = int(INTAKE_SAMPLE / 0.05)  # looks before enough time has passed say nothing
    assert not any(answers[: judged_at - 1]) and answers[judged_at - 1]


def test_rows_the_drain_matched_are_not_taken_for_a_quiet_inbox():
    # The drain keeps pace with the burst: the count stays low, the arrivals are still seen.
    assert any(looks(200, 20, step=0.05, matched_each=10))


def test_callbacks_at_a_steady_rate_below_the_burst_rate_never_wait():
    assert not any(looks(INTAKE_BUSY * 0.8, 200, step=0.05))


def test_a_backlog_with_nothing_arriving_is_matched_without_waiting():
    clock = Steps()
    watch = IntakeWatch(clock)
    waiting = 4000
    for _ in range(20):  # batches of 200 taken from a backlog left by a burst that ended
        clock.now += 0.1
        assert not watch.busy(waiting)
        waiting -= 200
        watch.matched(200)
