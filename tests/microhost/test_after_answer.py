"""Work handed to a response runs when the server closes it, after the answer has gone out."""

from __future__ import annotations

import pytest
from django.http import HttpResponse

from microhost.after_answer import AfterAnswer, RunsAfterAnswer

# Django's close() sends request_finished, whose receiver returns the database connection.
pytestmark = pytest.mark.django_db


class Answer(RunsAfterAnswer, HttpResponse):
    pass


def test_work_runs_at_close_not_before():
    ran, after = [], AfterAnswer()
    response = Answer("done", after=after)
    after(lambda: ran.append("job"))
    assert ran == [] and response.content == b"done"
    response.close()
    assert ran == ["job"]
    after(lambda: ran.append("late"))  # handed over once the answer is out: runs at once
    assert ran == ["job", "late"]


def test_a_failing_job_still_closes_the_response():
    """Django's own close() (request_finished, which returns the database connection) runs anyway,
    and the error is not swallowed: the server logs it."""
    after = AfterAnswer()
    after(lambda: 1 / 0)
    response = Answer("done", after=after)
    with pytest.raises(ZeroDivisionError):
        response.close()
    assert response.closed
